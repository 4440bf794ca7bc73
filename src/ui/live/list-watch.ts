import type { ExperimentStore } from '../../store/index.js';
import { experimentSummary } from '../summaries.js';
import type { ExperimentSummary } from '../wire.js';
import { RefreshLoop } from './refresh-loop.js';
import type { SseStream } from './sse-stream.js';

/**
 * The experiments list's live state: polls every experiment while a stream watches, and sends the
 * rows that changed and the names that disappeared.
 */
export class ListWatch {
  readonly #experiments: ExperimentStore;
  readonly #intervalMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #streams = new Set<SseStream>();
  readonly #signatures = new Map<string, string>();
  #loop: RefreshLoop | undefined;
  #ready: Promise<void> = Promise.resolve();
  /** False until the first poll after a (re)start has recorded what the list holds. */
  #baseline = false;

  constructor(experiments: ExperimentStore, intervalMs: number, onError: (err: unknown) => void) {
    this.#experiments = experiments;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** Adds `stream`; resolves once the watch knows the current rows (later changes are all sent). */
  subscribe(stream: SseStream): Promise<void> {
    this.#streams.add(stream);
    stream.onClose(() => {
      this.#streams.delete(stream);
      if (this.#streams.size === 0) this.#stopLoop();
    });
    if (!this.#loop) {
      this.#signatures.clear();
      this.#baseline = false;
      this.#loop = new RefreshLoop(() => this.#refresh(), this.#intervalMs, this.#onError);
      this.#ready = this.#loop.start();
    }
    return this.#ready;
  }

  poke(): void {
    this.#loop?.poke();
  }

  stop(): void {
    this.#stopLoop();
    for (const stream of [...this.#streams]) stream.end();
    this.#streams.clear();
  }

  #stopLoop(): void {
    this.#loop?.stop();
    this.#loop = undefined;
  }

  async #refresh(): Promise<void> {
    const rows = (await this.#experiments.listExperiments()).map(experimentSummary);
    const first = !this.#baseline;
    this.#baseline = true;
    const changed: ExperimentSummary[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.name);
      const signature = JSON.stringify(row);
      if (this.#signatures.get(row.name) === signature) continue;
      this.#signatures.set(row.name, signature);
      changed.push(row);
    }
    const removed = [...this.#signatures.keys()].filter((name) => !seen.has(name));
    for (const name of removed) this.#signatures.delete(name);
    if (first) return;
    for (const stream of this.#streams) {
      if (changed.length > 0) stream.send('experiments', changed);
      if (removed.length > 0) stream.send('removed', removed);
    }
  }
}
