import { rm } from 'node:fs/promises';
import path from 'node:path';
import { KatibError } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import { metricNamesOf } from '../collector/index.js';
import { isFinished, trialDir } from '../controller/index.js';
import type { ExperimentStore, ObservationStore } from '../store/index.js';
import type { LiveHub } from './live/live-hub.js';
import { readLogTail } from './log-tail.js';
import {
  chartNumber,
  experimentSummary,
  parameterInfo,
  seriesOf,
  specYaml,
  trialSummary,
} from './summaries.js';
import type { ExperimentDetail, ExperimentSummary, LivePoint, TrialDetail, TrialLogsReply } from './wire.js';

/** What the dashboard may change, when mounted writable. Each resolves once the change is done. */
export interface DashboardActions {
  /** Ends the experiment's running trials and its controller (e.g. a manager's stop). */
  stop?: (experimentName: string) => Promise<void>;
  /** Deletes the experiment, its trials and their observation logs (e.g. ExperimentManager.delete). */
  delete?: (experimentName: string) => Promise<void>;
}

export interface DashboardApiOptions {
  experiments: ExperimentStore;
  observations: ObservationStore;
  hub: LiveHub;
  /** Trial T of experiment E has the folder `<workRoot>/E/T` (trialDir: stdout.log, stderr.log); unknown means no logs to show. */
  workRoot?: string;
  logTailBytes: number;
}

/** The dashboard's reads, and the built-in delete; every miss is KatibError `not_found`. */
export class DashboardApi {
  readonly #o: DashboardApiOptions;

  constructor(options: DashboardApiOptions) {
    this.#o = options;
  }

  async listExperiments(): Promise<ExperimentSummary[]> {
    return (await this.#o.experiments.listExperiments()).map(experimentSummary);
  }

  async experiment(name: string): Promise<ExperimentDetail> {
    const experiment = await this.#experiment(name);
    const trials = await this.#o.experiments.listTrials(name);
    const { spec, status } = experiment;
    const summaries = trials.map((t) => trialSummary(t, spec));
    await Promise.all(
      summaries.map(async (summary) => {
        if (summary.state !== 'Running') return;
        const current = await this.#current(name, summary.name, spec.objective.objectiveMetricName);
        if (current) summary.current = current;
      }),
    );
    return {
      summary: experimentSummary(experiment),
      conditions: status?.conditions ?? [],
      ...(status?.currentOptimalTrial ? { optimal: status.currentOptimalTrial } : {}),
      parameters: parameterInfo(spec),
      metricNames: metricNamesOf(spec.objective),
      specYaml: specYaml(experiment),
      trials: summaries,
    };
  }

  async trial(name: string): Promise<TrialDetail> {
    const trial = await this.#trial(name);
    const experiment = await this.#experiment(trial.experimentName);
    const logs = await this.#o.observations.get(name);
    const { objective } = experimentSummary(experiment);
    return {
      trial,
      experiment: {
        name: trial.experimentName,
        objective,
        metricNames: metricNamesOf(experiment.spec.objective),
      },
      series: seriesOf(logs),
    };
  }

  async trialLogs(name: string): Promise<TrialLogsReply> {
    const trial = await this.#trial(name);
    const { workRoot, logTailBytes } = this.#o;
    const none = { text: null, size: 0, truncated: false };
    if (workRoot === undefined) {
      return { unavailable: 'this server was not told where trials run', stdout: none, stderr: none };
    }
    const dir = trialDir(workRoot, trial);
    const [stdout, stderr] = await Promise.all([
      readLogTail(path.join(dir, 'stdout.log'), logTailBytes),
      readLogTail(path.join(dir, 'stderr.log'), logTailBytes),
    ]);
    return { dir, stdout, stderr };
  }

  /** The trial's experiment name, `not_found` if there is no such trial. */
  async experimentOfTrial(name: string): Promise<string> {
    return (await this.#trial(name)).experimentName;
  }

  async checkExperiment(name: string): Promise<void> {
    await this.#experiment(name);
  }

  /**
   * Deletes a finished experiment with its trials, their observation logs and folders. An
   * unfinished one is refused (`failed_precondition`): its controller lives elsewhere and must be
   * stopped by its owner.
   */
  async deleteFinished(name: string): Promise<void> {
    const experiment = await this.#experiment(name);
    if (!isFinished(experiment)) {
      throw new KatibError(
        'failed_precondition',
        `experiment ${JSON.stringify(name)} is still running: this dashboard can delete only finished experiments`,
      );
    }
    const trials = await this.#o.experiments.listTrials(name);
    for (const trial of trials) await this.#o.observations.delete(trial.name);
    await this.#o.experiments.deleteExperiment(name);
    const { workRoot } = this.#o;
    if (workRoot !== undefined) {
      await Promise.all(trials.map((t) => rm(trialDir(workRoot, t), { recursive: true, force: true })));
    }
  }

  async #current(experiment: string, trial: string, metric: string): Promise<LivePoint | undefined> {
    const seen = this.#o.hub.currentOf(experiment, trial);
    if (seen) return seen;
    const logs = await this.#o.observations.get(trial, { metricName: metric });
    for (let i = logs.length - 1; i >= 0; i--) {
      const value = chartNumber(logs[i]!.value);
      if (value !== null) return { value, time: logs[i]!.time / 1000 };
    }
    return undefined;
  }

  async #experiment(name: string): Promise<Experiment> {
    const experiment = await this.#o.experiments.getExperiment(name);
    if (!experiment) throw new KatibError('not_found', `experiment ${JSON.stringify(name)} does not exist`);
    return experiment;
  }

  async #trial(name: string) {
    const trial = await this.#o.experiments.getTrial(name);
    if (!trial) throw new KatibError('not_found', `trial ${JSON.stringify(name)} does not exist`);
    return trial;
  }
}
