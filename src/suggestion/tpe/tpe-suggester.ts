import type { Experiment } from '../../api/experiment.js';
import { type History, readHistory } from '../history.js';
import { Issues } from '../issues.js';
import { checkCount } from '../request.js';
import { Rng, seedFor } from '../rng.js';
import { SOBOL_MAX_DIMENSIONS, SobolSequence, sobolValue } from '../sobol/index.js';
import {
  collectSearchSpace,
  fromUnit,
  type Point,
  pointAt,
  pointKey,
  type SearchSpace,
  samplePoint,
  toAssignments,
  type Value,
} from '../space/index.js';
import type { Suggester, Suggestion, SuggestRequest } from '../suggester.js';
import { type Dim, dimsOf, encodePoint } from './dims.js';
import { TpeModel } from './model.js';
import { collectTpeConfig, type TpeConfig, type TpeDefaults } from './settings.js';
import { splitObserved } from './split.js';

/** Model rounds tried before a finite space's duplicate is given up for a random point. */
const MODEL_RETRIES = 8;
/** Random draws tried before the unused points of a finite space are listed. */
const RANDOM_RETRIES = 64;
/** Largest finite space whose unused points are listed once draws keep hitting used ones. */
const ENUMERATION_LIMIT = 100_000;

/**
 * Katib's `tpe` and `multivariate-tpe`: the Tree-structured Parzen Estimator. The first
 * `n_startup_trials` suggestions come from a scrambled Sobol sequence; after that the observed
 * trials are split into the best `gamma` share (at most 25) and the rest, each group becomes a
 * Parzen estimator over the unit cube (see Dim), and of `n_EI_candidates` draws from the good
 * density l(x) the one with the largest l(x)/g(x) is suggested. Both model the parameters
 * jointly by default (measured better on every benchmark function); `tpe` with
 * `multivariate: false` models each parameter on its own, as hyperopt and Optuna's default do.
 * Running trials and earlier suggestions of the same call count as bad (constant liar). On a
 * finite space it never repeats a tried assignment and returns fewer suggestions when the
 * space is used up.
 */
export class TpeSuggester implements Suggester {
  constructor(
    readonly algorithm: 'tpe' | 'multivariate-tpe',
    /** Other defaults (settings the experiment gives still win); for tuning and tests. */
    readonly defaults: Partial<TpeDefaults> = {},
  ) {}

  validateSettings(experiment: Experiment): void {
    const issues = new Issues();
    collectTpeConfig(experiment, this.algorithm, issues, this.defaults);
    collectSearchSpace(experiment.spec.parameters, issues);
    issues.throwIfAny();
  }

  suggest({ experiment, trials, count }: SuggestRequest): Suggestion[] {
    checkCount(count);
    const issues = new Issues();
    const config = collectTpeConfig(experiment, this.algorithm, issues, this.defaults);
    const space = collectSearchSpace(experiment.spec.parameters, issues);
    issues.throwIfAny();
    if (count === 0) return [];
    const rng = new Rng(
      seedFor({ algorithm: this.algorithm, randomState: config.randomState, historyLength: trials.length }),
    );
    const history = readHistory(space, experiment, trials);
    const run = new Run(space, config, history, rng, trials.length);
    const suggestions: Suggestion[] = [];
    while (suggestions.length < count) {
      const point = run.next();
      if (point === undefined) break;
      suggestions.push({ assignments: toAssignments(space, point) });
    }
    return suggestions;
  }
}

/** The state of one suggest call: the model, the used points, the rng. */
class Run {
  readonly #dims: Dim[];
  readonly #model: TpeModel | undefined;
  readonly #used: Set<string> | undefined;
  readonly #coords: Float64Array;
  #free: Point[] | undefined;

  #sobol: SobolSequence | undefined;
  #sobolIndex: number;

  constructor(
    readonly space: SearchSpace,
    readonly config: TpeConfig,
    history: History,
    readonly rng: Rng,
    historyLength: number,
  ) {
    this.#dims = dimsOf(space);
    this.#sobolIndex = historyLength;
    const d = this.#dims.length;
    this.#coords = new Float64Array(d);
    // Keys are only worth their cost where repeats can happen: finite spaces.
    if (Number.isFinite(space.size)) {
      this.#used = new Set();
      for (const o of history.observed) this.#used.add(pointKey(space, o.point));
      for (const p of history.pending) this.#used.add(pointKey(space, p));
      for (const p of history.failed) this.#used.add(pointKey(space, p));
    }
    if (history.observed.length < config.startupTrials) return;
    const { good, bad } = splitObserved(history.observed, config.gamma);
    const goodRows = new Float64Array(good.length * d);
    good.forEach((at, i) => {
      encodePoint(space, history.observed[at]!.point, goodRows, i * d);
    });
    const badRows = new Float64Array((bad.length + history.pending.length) * d);
    bad.forEach((at, i) => {
      encodePoint(space, history.observed[at]!.point, badRows, i * d);
    });
    history.pending.forEach((p, i) => {
      encodePoint(space, p, badRows, (bad.length + i) * d);
    });
    this.#model = new TpeModel(
      this.#dims,
      {
        priorWeight: config.priorWeight,
        candidates: config.candidates,
        multivariate: config.multivariate,
        jointGoodBandwidth: config.jointGoodBandwidth,
      },
      goodRows,
      badRows,
    );
  }

  /** The next suggestion, or undefined when a finite space is used up. */
  next(): Point | undefined {
    const model = this.#model;
    if (
      model === undefined &&
      this.config.startupSampler === 'sobol' &&
      this.#dims.length <= SOBOL_MAX_DIMENSIONS
    ) {
      this.#sobol ??= new SobolSequence(
        this.#dims.length,
        new Rng(seedFor({ algorithm: 'sobol', randomState: this.config.randomState, historyLength: 0 })),
      );
      this.#sobol.point(this.#sobolIndex++, this.#coords);
      const point = this.space.params.map((param, d) => sobolValue(param, this.#coords[d]!));
      if (this.#claim(point)) return point;
    }
    if (model !== undefined) {
      for (let attempt = 0; attempt < MODEL_RETRIES; attempt++) {
        model.next(this.rng, this.#coords);
        const point = this.#decode(this.#coords);
        model.addPending(this.#coords);
        if (this.#claim(point)) return point;
      }
    }
    const point = this.#randomPoint();
    if (point !== undefined && model !== undefined) {
      encodePoint(this.space, point, this.#coords, 0);
      model.addPending(this.#coords);
    }
    return point;
  }

  #decode(coords: Float64Array): Point {
    return this.space.params.map(
      (param, j): Value =>
        param.kind === 'categorical' ? param.list[coords[j]!]! : fromUnit(param, coords[j]!),
    );
  }

  /** True (and marks it used) when the point is new. */
  #claim(point: Point): boolean {
    if (this.#used === undefined) return true;
    const key = pointKey(this.space, point);
    if (this.#used.has(key)) return false;
    this.#used.add(key);
    return true;
  }

  #randomPoint(): Point | undefined {
    if (this.#free === undefined) {
      for (let i = 0; i < RANDOM_RETRIES; i++) {
        const point = samplePoint(this.space, this.rng);
        if (this.#claim(point)) return point;
      }
      if (this.space.size > ENUMERATION_LIMIT) return undefined;
      this.#free = [];
      for (let i = 0; i < this.space.size; i++) {
        const point = pointAt(this.space, i);
        if (!this.#used!.has(pointKey(this.space, point))) this.#free.push(point);
      }
    }
    if (this.#free.length === 0) return undefined;
    const [point] = this.#free.splice(this.rng.int(0, this.#free.length - 1), 1);
    this.#claim(point!);
    return point;
  }
}
