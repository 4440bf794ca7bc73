import type { Experiment } from '../../api/experiment.js';
import type { MetricLog } from '../../api/observation.js';
import type { Trial } from '../../api/trial.js';
import type { ExperimentStore } from '../../store/index.js';
import { chartNumber, experimentSummary, trialSummary } from '../summaries.js';
import type { ExperimentEvents, LivePoint, TrialEvents, TrialSummary } from '../wire.js';
import { RefreshLoop } from './refresh-loop.js';
import type { SseStream } from './sse-stream.js';

/** How long reported metrics are gathered before they go out as one event per stream. */
export const METRIC_FLUSH_MS = 100;

interface Subscriber {
  stream: SseStream;
  /** Set for a trial page's stream: only that trial's changes and every metric it reports. */
  trial?: string;
  metrics: TrialEvents['metrics'];
  current: Map<string, LivePoint>;
}

export interface ExperimentWatchOptions {
  name: string;
  experiments: ExperimentStore;
  intervalMs: number;
  onError: (err: unknown) => void;
  /** Told every trial name the watch has seen, so reports can be routed to it. */
  onTrials: (names: readonly string[]) => void;
  /** Called once the experiment is gone (deleted) or the last subscriber left. */
  onIdle: () => void;
}

/**
 * One experiment's live state for the streams that watch it: polls the stored experiment (one
 * row) and, when it changed, its trials, sending only what changed; routes reported metrics to
 * the streams that show them. The stored experiment's status is rewritten on every trial start
 * and end, which makes the one-row poll enough to notice trial changes.
 */
export class ExperimentWatch {
  readonly #o: ExperimentWatchOptions;
  readonly #loop: RefreshLoop;
  readonly #subscribers = new Set<Subscriber>();
  readonly #signatures = new Map<string, string>();
  readonly #current = new Map<string, LivePoint>();
  readonly #ready: Promise<void>;
  #experimentJson = '';
  #objectiveMetric = '';
  #flushTimer: NodeJS.Timeout | undefined;
  #gone = false;
  #stopped = false;

  constructor(options: ExperimentWatchOptions) {
    this.#o = options;
    this.#loop = new RefreshLoop(() => this.#refresh(), options.intervalMs, options.onError);
    this.#ready = this.#loop.start();
  }

  /** Resolves once the watch has read the experiment's state (later changes are all sent). */
  get ready(): Promise<void> {
    return this.#ready;
  }

  get gone(): boolean {
    return this.#gone;
  }

  /** The running trial's latest reported objective, when this watch has seen one. */
  currentOf(trialName: string): LivePoint | undefined {
    return this.#current.get(trialName);
  }

  subscribe(stream: SseStream, trial?: string): void {
    const sub: Subscriber = { stream, metrics: [], current: new Map(), ...(trial ? { trial } : {}) };
    this.#subscribers.add(sub);
    stream.onClose(() => {
      this.#subscribers.delete(sub);
      if (this.#subscribers.size === 0) this.stop();
    });
  }

  /** Looks again now (a controller said the experiment changed). */
  poke(): void {
    this.#loop.poke();
  }

  /** Routes a stored report of one of this experiment's trials. */
  reported(trialName: string, logs: readonly MetricLog[]): void {
    if (!this.#signatures.has(trialName)) this.#loop.poke();
    let latest: LivePoint | undefined;
    for (const log of logs) {
      if (log.name !== this.#objectiveMetric) continue;
      const value = chartNumber(log.value);
      const time = log.time / 1000;
      if (value !== null && (!latest || time >= latest.time)) latest = { value, time };
    }
    const before = this.#current.get(trialName);
    if (latest && (!before || latest.time >= before.time)) this.#current.set(trialName, latest);
    for (const sub of this.#subscribers) {
      if (sub.trial === undefined) {
        if (latest) sub.current.set(trialName, latest);
      } else if (sub.trial === trialName) {
        for (const log of logs)
          sub.metrics.push({ name: log.name, t: log.time / 1000, v: chartNumber(log.value) });
      }
    }
    this.#flushTimer ??= setTimeout(() => this.#flush(), METRIC_FLUSH_MS);
  }

  /** Ends every stream of this watch and stops polling. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#loop.stop();
    clearTimeout(this.#flushTimer);
    for (const sub of this.#subscribers) sub.stream.end();
    this.#subscribers.clear();
    this.#o.onIdle();
  }

  #flush(): void {
    this.#flushTimer = undefined;
    for (const sub of this.#subscribers) {
      if (sub.metrics.length > 0) sub.stream.send('metrics', sub.metrics.splice(0));
      if (sub.current.size > 0) {
        const current: ExperimentEvents['current'] = [...sub.current].map(([trial, point]) => ({
          trial,
          point,
        }));
        sub.current.clear();
        sub.stream.send('current', current);
      }
    }
  }

  async #refresh(): Promise<void> {
    const experiment = await this.#o.experiments.getExperiment(this.#o.name);
    if (!experiment) {
      this.#gone = true;
      for (const sub of this.#subscribers) sub.stream.send('removed', [this.#o.name]);
      this.stop();
      return;
    }
    const json = JSON.stringify(experiment);
    if (json === this.#experimentJson) return;
    const first = this.#experimentJson === '';
    this.#experimentJson = json;
    this.#objectiveMetric = experiment.spec.objective.objectiveMetricName;
    const trials = await this.#o.experiments.listTrials(this.#o.name);
    const changed = this.#changedTrials(experiment, trials);
    this.#o.onTrials(trials.map((t) => t.name));
    if (first) return;
    this.#send(experiment, changed);
  }

  #changedTrials(
    experiment: Experiment,
    trials: readonly Trial[],
  ): { trial: Trial; summary: TrialSummary }[] {
    const changed: { trial: Trial; summary: TrialSummary }[] = [];
    for (const trial of trials) {
      const summary = trialSummary(trial, experiment.spec);
      const signature = JSON.stringify(summary);
      if (this.#signatures.get(trial.name) === signature) continue;
      this.#signatures.set(trial.name, signature);
      if (summary.state !== 'Running') this.#current.delete(trial.name);
      changed.push({ trial, summary });
    }
    return changed;
  }

  #send(experiment: Experiment, changed: readonly { trial: Trial; summary: TrialSummary }[]): void {
    const { status } = experiment;
    const detail: ExperimentEvents['experiment'] = {
      summary: experimentSummary(experiment),
      conditions: status?.conditions ?? [],
      ...(status?.currentOptimalTrial ? { optimal: status.currentOptimalTrial } : {}),
    };
    for (const sub of this.#subscribers) {
      if (sub.trial === undefined) {
        sub.stream.send('experiment', detail);
        if (changed.length > 0)
          sub.stream.send(
            'trials',
            changed.map((c) => c.summary),
          );
      } else {
        const mine = changed.find((c) => c.trial.name === sub.trial);
        if (mine) sub.stream.send('trial', mine.trial);
      }
    }
  }
}
