import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricLog } from '../../api/observation.js';
import type { ExperimentStore } from '../../store/index.js';
import type { LivePoint } from '../wire.js';
import { ExperimentWatch } from './experiment-watch.js';
import { ListWatch } from './list-watch.js';
import { SseStream } from './sse-stream.js';

// A report for a trial that is in no watched experiment is looked up again only after this long.
const MISS_TTL_MS = 1_000;
const MAX_MISSES = 10_000;

export interface LiveHubOptions {
  experiments: ExperimentStore;
  /** Every stored report, whoever wrote it (the DB manager service's `onReported`). */
  onReported: (listener: (trialName: string, logs: readonly MetricLog[]) => void) => () => void;
  /** Names of experiments that may have changed (e.g. ExperimentManager's `onChange`), if known. */
  onChange?: (listener: (experimentName: string) => void) => () => void;
  pollIntervalMs: number;
  onError: (err: unknown) => void;
}

/**
 * The dashboard's server push: Server-Sent Events streams for the experiments list, an
 * experiment, or a trial. Streams of one experiment share one watch (one poll, one routing of
 * reports), which exists only while a stream is open. Every stream first gets `ready` once
 * every later change will be sent on it: the page loads its snapshot after that, so nothing
 * falls between the snapshot and the stream.
 */
export class LiveHub {
  readonly #o: LiveHubOptions;
  readonly #list: ListWatch;
  readonly #watches = new Map<string, ExperimentWatch>();
  readonly #owner = new Map<string, string>();
  readonly #lookups = new Map<string, Promise<void>>();
  readonly #misses = new Map<string, number>();
  readonly #unsubscribe: (() => void)[] = [];
  #closed = false;

  constructor(options: LiveHubOptions) {
    this.#o = options;
    this.#list = new ListWatch(options.experiments, options.pollIntervalMs, options.onError);
    this.#unsubscribe.push(options.onReported((trial, logs) => this.#reported(trial, logs)));
    if (options.onChange) this.#unsubscribe.push(options.onChange((name) => this.notify(name)));
  }

  /** Looks at once for changes of `experimentName` (and of the list), instead of at the next poll. */
  notify(experimentName?: string): void {
    this.#list.poke();
    if (experimentName === undefined) for (const watch of this.#watches.values()) watch.poke();
    else this.#watches.get(experimentName)?.poke();
  }

  /** A running trial's latest reported objective, if a watch has seen one. */
  currentOf(experimentName: string, trialName: string): LivePoint | undefined {
    return this.#watches.get(experimentName)?.currentOf(trialName);
  }

  async streamList(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const stream = this.#open(req, res);
    if (!stream) return;
    await this.#list.subscribe(stream);
    stream.send('ready', {});
  }

  /** Streams an experiment's changes, or only one of its trials' (`trial`): the caller checked both exist. */
  async streamExperiment(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    trial?: string,
  ): Promise<void> {
    const stream = this.#open(req, res);
    if (!stream) return;
    let watch = this.#watches.get(name);
    if (!watch || watch.gone) {
      const created: ExperimentWatch = new ExperimentWatch({
        name,
        experiments: this.#o.experiments,
        intervalMs: this.#o.pollIntervalMs,
        onError: this.#o.onError,
        onTrials: (names) => {
          for (const t of names) this.#owner.set(t, name);
        },
        onIdle: () => {
          if (this.#watches.get(name) !== created) return;
          this.#watches.delete(name);
          for (const [t, owner] of this.#owner) if (owner === name) this.#owner.delete(t);
        },
      });
      watch = created;
      this.#watches.set(name, watch);
    }
    watch.subscribe(stream, trial);
    await watch.ready;
    if (!stream.closed) stream.send('ready', {});
  }

  /** Ends every stream and stops listening; later stream requests get 503. */
  close(): void {
    this.#closed = true;
    for (const undo of this.#unsubscribe.splice(0)) undo();
    this.#list.stop();
    for (const watch of [...this.#watches.values()]) watch.stop();
    this.#watches.clear();
  }

  #open(req: IncomingMessage, res: ServerResponse): SseStream | undefined {
    if (this.#closed) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('dashboard is shutting down\n');
      return undefined;
    }
    return new SseStream(req, res);
  }

  #reported(trialName: string, logs: readonly MetricLog[]): void {
    if (this.#watches.size === 0) return;
    const owner = this.#owner.get(trialName);
    if (owner !== undefined) {
      this.#watches.get(owner)?.reported(trialName, logs);
      return;
    }
    if ((this.#misses.get(trialName) ?? 0) > Date.now()) return;
    let lookup = this.#lookups.get(trialName);
    if (!lookup) {
      lookup = this.#lookUp(trialName).finally(() => this.#lookups.delete(trialName));
      this.#lookups.set(trialName, lookup);
    }
    void lookup.then(() => {
      const found = this.#owner.get(trialName);
      if (found !== undefined) this.#watches.get(found)?.reported(trialName, logs);
    });
  }

  /** Learns which watched experiment a trial belongs to, or remembers for a while that none does. */
  async #lookUp(trialName: string): Promise<void> {
    try {
      const trial = await this.#o.experiments.getTrial(trialName);
      if (trial && this.#watches.has(trial.experimentName)) {
        this.#owner.set(trialName, trial.experimentName);
        return;
      }
    } catch (err) {
      this.#o.onError(err);
    }
    if (this.#misses.size >= MAX_MISSES) {
      const now = Date.now();
      for (const [name, until] of this.#misses) if (until <= now) this.#misses.delete(name);
      if (this.#misses.size >= MAX_MISSES) this.#misses.clear();
    }
    this.#misses.set(trialName, Date.now() + MISS_TTL_MS);
  }
}
