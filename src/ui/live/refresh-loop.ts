/**
 * Runs `refresh` every `intervalMs`, one run at a time; `poke` asks for a run as soon as the
 * current one (if any) has finished, but never sooner than MIN_GAP_MS after the previous run
 * ended (a burst of pokes costs a few runs, not one per poke). A rejected run is reported to
 * `onError` and the loop goes on (a database that is down for a while must not stop live updates
 * for good).
 */
const MIN_GAP_MS = 200;

export class RefreshLoop {
  readonly #refresh: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #lastEnd = Number.NEGATIVE_INFINITY;

  constructor(refresh: () => Promise<void>, intervalMs: number, onError: (err: unknown) => void) {
    this.#refresh = refresh;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** Runs at once and resolves when that first run has finished. */
  start(): Promise<void> {
    return this.#run();
  }

  /** A run soon: now if idle, right after the current run otherwise. */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#schedule(this.#gap());
  }

  #gap(): number {
    return Math.max(0, this.#lastEnd + MIN_GAP_MS - performance.now());
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#run(), delayMs);
    this.#timer.unref();
  }

  #run(): Promise<void> {
    if (this.#running) return this.#running;
    clearTimeout(this.#timer);
    this.#running = (async () => {
      // Settle asynchronously even if refresh throws at once: #running must be set first.
      await Promise.resolve();
      try {
        await this.#refresh();
      } catch (err) {
        this.#onError(err);
      } finally {
        this.#running = undefined;
        this.#lastEnd = performance.now();
        if (!this.#stopped) {
          const again = this.#again;
          this.#again = false;
          this.#schedule(again ? this.#gap() : this.#intervalMs);
        }
      }
    })();
    return this.#running;
  }
}
