/**
 * Runs `refresh` every `intervalMs`, one run at a time; `poke` asks for a run as soon as the
 * current one (if any) has finished. A rejected run is reported to `onError` and the loop goes on
 * (a database that is down for a while must not stop live updates for good).
 */
export class RefreshLoop {
  readonly #refresh: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

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
    this.#schedule(0);
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
        if (!this.#stopped) {
          const again = this.#again;
          this.#again = false;
          this.#schedule(again ? 0 : this.#intervalMs);
        }
      }
    })();
    return this.#running;
  }
}
