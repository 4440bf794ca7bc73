import { invalidArgument, KatibError } from '../api/errors.js';
import type { Experiment, ParameterSpec, Setting } from '../api/experiment.js';
import type { ObservationMetric } from '../api/observation.js';
import type { Trial, TrialConditionType } from '../api/trial.js';
import { getSuggester } from './registry.js';
import { buildSearchSpace, parseAssignments, type SearchSpace, type Value } from './space/index.js';
import type { Suggester } from './suggester.js';

export interface StudyOptions {
  /** The search space, as in an Experiment's `spec.parameters`. */
  parameters: ParameterSpec[];
  /** Default `minimize`. */
  objective?: 'minimize' | 'maximize';
  /** An algorithm name (`tpe`, `random`, ...; default `tpe`) or a name with Katib settings. */
  algorithm?: string | { name: string; settings?: Readonly<Record<string, string | number>> };
  /** Names the study's trials (`<name>-0001`); default `study`. */
  name?: string;
  /**
   * A suggester to use instead of the registry's one for `algorithm` (a custom or tuned
   * algorithm); it still validates the settings given under `algorithm`.
   */
  suggester?: Suggester;
}

/** One assignment handed out by `ask`, to evaluate and then `tell`. */
export interface AskedTrial {
  /** The trial's name: pass it (or this object) to `tell` or `fail`. */
  name: string;
  /** The values by parameter name: numbers for int, double and discrete, strings for categorical. */
  values: Record<string, Value>;
  /** The assignments as a Katib trial receives them (strings, Katib's formatting). */
  assignments: Setting[];
  /**
   * The algorithm's trial labels (hyperband's bracket and rung; pbt's generation and parent: the
   * trial whose checkpoint this one continues). Empty for most algorithms.
   */
  labels: Record<string, string>;
}

export interface StudyBest {
  name: string;
  values: Record<string, Value>;
  value: number;
}

/**
 * Ask-and-tell over any registered suggester, in-process: `ask` hands out assignments,
 * `tell` records the objective value of one, `fail` records that it could not be evaluated.
 * The study keeps the history as Katib trials (see `trials`) and hands all of it to the
 * stateless suggester on every `ask`, exactly as the controller does. Not safe to share
 * between concurrent loops that expect each other's order; a study is one user's loop.
 */
export interface Study {
  readonly experiment: Experiment;
  /** Every trial so far, in ask order (told ones Succeeded or Failed, the others Running). */
  readonly trials: readonly Trial[];
  /** Up to `count` (default 1) new assignments; fewer once a finite space is used up. */
  ask(count?: number): AskedTrial[];
  /** Records the objective value of an asked trial; throws invalid_argument for a bad value or trial. */
  tell(trial: AskedTrial | string, value: number): void;
  /** Records that an asked trial failed: algorithms leave it out of their models. */
  fail(trial: AskedTrial | string): void;
  /** The best told trial (ties to the earlier one), or undefined before the first tell. */
  best(): StudyBest | undefined;
}

const METRIC = 'objective';

/** A Study over `options.parameters`; throws invalid_argument for a bad space or settings. */
export function createStudy(options: StudyOptions): Study {
  const algorithm = typeof options.algorithm === 'string' ? { name: options.algorithm } : options.algorithm;
  const experiment = studyExperiment(options, algorithm?.name ?? 'tpe', algorithm?.settings ?? {});
  const suggester = options.suggester ?? getSuggester(experiment.spec.algorithm.algorithmName);
  suggester.validateSettings(experiment);
  return new InProcessStudy(experiment, suggester, buildSearchSpace(experiment.spec.parameters));
}

function studyExperiment(
  options: StudyOptions,
  algorithm: string,
  settings: Readonly<Record<string, string | number>>,
): Experiment {
  const type = options.objective ?? 'minimize';
  if (type !== 'minimize' && type !== 'maximize') {
    throw invalidArgument('objective', type, 'must be minimize or maximize');
  }
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: options.name ?? 'study' },
    spec: {
      parameters: structuredClone(options.parameters),
      objective: {
        type,
        objectiveMetricName: METRIC,
        additionalMetricNames: [],
        metricStrategies: [{ name: METRIC, value: type === 'minimize' ? 'min' : 'max' }],
      },
      algorithm: {
        algorithmName: algorithm,
        algorithmSettings: Object.entries(settings).map(([name, value]) => ({ name, value: String(value) })),
      },
      parallelTrialCount: 1,
      trialTemplate: { trialParameters: [], trialSpec: {} },
      metricsCollectorSpec: { collector: { kind: 'Push' } },
      resumePolicy: 'Never',
    },
  };
}

class InProcessStudy implements Study {
  readonly #trials: Trial[] = [];
  readonly #byName = new Map<string, { trial: Trial; values: Record<string, Value> }>();
  #best: StudyBest | undefined;

  constructor(
    readonly experiment: Experiment,
    readonly suggester: Suggester,
    readonly space: SearchSpace,
  ) {}

  get trials(): readonly Trial[] {
    return this.#trials;
  }

  ask(count = 1): AskedTrial[] {
    const suggestions = this.suggester.suggest({ experiment: this.experiment, trials: this.#trials, count });
    return suggestions.map((s) => {
      const name = `${this.experiment.metadata.name}-${String(this.#trials.length + 1).padStart(4, '0')}`;
      const now = new Date().toISOString();
      const trial: Trial = {
        name,
        experimentName: this.experiment.metadata.name,
        parameterAssignments: s.assignments,
        labels: { ...(s.labels ?? {}) },
        conditions: [condition('Created', 'TrialCreated', now), condition('Running', 'TrialRunning', now)],
        startTime: now,
      };
      const point = parseAssignments(this.space, s.assignments, 'assignments');
      const values: Record<string, Value> = {};
      this.space.params.forEach((p, i) => {
        values[p.name] = point[i]!;
      });
      this.#trials.push(trial);
      this.#byName.set(name, { trial, values });
      return {
        name,
        values: { ...values },
        assignments: s.assignments.map((a) => ({ ...a })),
        labels: { ...(s.labels ?? {}) },
      };
    });
  }

  tell(trial: AskedTrial | string, value: number): void {
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw invalidArgument('value', value, 'must be a number (not NaN)');
    }
    const entry = this.#running(trial);
    const text = String(value);
    this.#finish(entry.trial, 'Succeeded', 'TrialSucceeded', [
      { name: METRIC, min: text, max: text, latest: text },
    ]);
    const better =
      this.experiment.spec.objective.type === 'minimize'
        ? value < (this.#best?.value ?? Infinity)
        : value > (this.#best?.value ?? -Infinity);
    if (this.#best === undefined || better)
      this.#best = { name: entry.trial.name, values: { ...entry.values }, value };
  }

  fail(trial: AskedTrial | string): void {
    this.#finish(this.#running(trial).trial, 'Failed', 'TrialFailed', []);
  }

  best(): StudyBest | undefined {
    return this.#best === undefined ? undefined : { ...this.#best, values: { ...this.#best.values } };
  }

  #running(trial: AskedTrial | string): { trial: Trial; values: Record<string, Value> } {
    const name = typeof trial === 'string' ? trial : trial?.name;
    const entry = typeof name === 'string' ? this.#byName.get(name) : undefined;
    if (entry === undefined) throw invalidArgument('trial', name, 'is not a trial this study asked for');
    if (entry.trial.completionTime !== undefined) {
      throw new KatibError('failed_precondition', `trial: ${JSON.stringify(name)} was already told`, {
        field: 'trial',
      });
    }
    return entry;
  }

  #finish(trial: Trial, type: TrialConditionType, reason: string, metrics: ObservationMetric[]): void {
    const now = new Date().toISOString();
    trial.conditions = [
      ...trial.conditions.map((c) => (c.type === 'Running' ? { ...c, status: 'False' as const } : c)),
      condition(type, reason, now),
    ];
    trial.completionTime = now;
    trial.observation = { metrics };
  }
}

function condition(type: TrialConditionType, reason: string, now: string): Trial['conditions'][number] {
  return { type, status: 'True', reason, message: '', lastUpdateTime: now, lastTransitionTime: now };
}
