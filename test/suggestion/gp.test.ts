import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { ParameterSpec, Setting } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';
import { fitKernel, GaussianProcess } from '../../src/suggestion/gp/index.js';
import { createStudy, getSuggester, Rng } from '../../src/suggestion/index.js';
import { categorical, double, int, makeExperiment, makeTrial } from './fixtures.js';

const bo = () => getSuggester('bayesianoptimization');
const numberOf = (assignments: Setting[], name: string) =>
  Number(assignments.find((a) => a.name === name)!.value);

/** A smooth bowl in [0,1]^2 with its minimum 0 at (0.3, 0.7). */
const bowl = (x: number, y: number) => (x - 0.3) ** 2 + (y - 0.7) ** 2;
const bowlSpace = [double('x', '0', '1'), double('y', '0', '1')];

function bestOf(
  algorithm: string,
  seed: number,
  trials: number,
  settings: Record<string, string> = {},
): number {
  const study = createStudy({
    parameters: bowlSpace,
    algorithm: { name: algorithm, settings: { random_state: seed, ...settings } },
  });
  for (let i = 0; i < trials; i++) {
    const [trial] = study.ask(1);
    study.tell(trial!, bowl(trial!.values.x as number, trial!.values.y as number));
  }
  return study.best()!.value;
}

function invalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof KatibError, String(err));
    assert.equal(err.code, 'invalid_argument');
    for (const f of fragments) assert.ok(err.message.includes(f), `message names ${f}: ${err.message}`);
    return true;
  });
}

describe('bayesianoptimization', () => {
  it('beats random search on a smooth bowl (3 fixed seeds, 25 trials)', () => {
    for (const seed of [1, 2, 3]) {
      const gp = bestOf('bayesianoptimization', seed, 25);
      const random = bestOf('random', seed, 25);
      // Random search over 25 trials reaches ~1e-2 here; the GP gets orders of magnitude closer.
      assert.ok(gp < 1e-3, `seed ${seed}: GP best ${gp}`);
      assert.ok(gp < random / 10, `seed ${seed}: GP best ${gp}, random best ${random}`);
    }
  });

  for (const acq of ['EI', 'PI', 'LCB']) {
    it(`acq_func ${acq} also converges`, () => {
      assert.ok(bestOf('bayesianoptimization', 4, 25, { acq_func: acq, acq_optimizer: 'sampling' }) < 5e-3);
    });
  }

  it('maximises when the objective says so', () => {
    const study = createStudy({
      parameters: bowlSpace,
      objective: 'maximize',
      algorithm: { name: 'bayesianoptimization', settings: { random_state: 5 } },
    });
    for (let i = 0; i < 25; i++) {
      const [trial] = study.ask(1);
      study.tell(trial!, -bowl(trial!.values.x as number, trial!.values.y as number));
    }
    assert.ok(study.best()!.value > -1e-3, `best ${study.best()!.value}`);
  });

  it('starts with a Latin hypercube of n_initial_points, one stratum per trial and coordinate', () => {
    const experiment = makeExperiment(bowlSpace, {
      algorithm: 'bayesianoptimization',
      settings: [{ name: 'n_initial_points', value: '8' }],
    });
    // Asked in uneven pieces, as a controller with finishing trials would: still one hypercube.
    const trials: Trial[] = [];
    for (const count of [3, 1, 4]) {
      for (const s of bo().suggest({ experiment, trials, count })) {
        trials.push(makeTrial(trials.length, s.assignments, 0.5));
      }
    }
    for (const name of ['x', 'y']) {
      const strata = trials.map((t) => Math.floor(numberOf(t.parameterAssignments, name) * 8)).sort();
      assert.deepEqual(strata, [0, 1, 2, 3, 4, 5, 6, 7], `${name} strata`);
    }
  });

  it('spreads k suggestions of one call instead of handing out near-copies', () => {
    const experiment = makeExperiment(bowlSpace, { algorithm: 'bayesianoptimization' });
    experiment.spec.objective.type = 'minimize';
    const rng = new Rng(9);
    const trials = Array.from({ length: 15 }, (_, i) => {
      const x = rng.float();
      const y = rng.float();
      return makeTrial(
        i,
        [
          { name: 'x', value: String(x) },
          { name: 'y', value: String(y) },
        ],
        bowl(x, y),
      );
    });
    const points = bo()
      .suggest({ experiment, trials, count: 6 })
      .map((s) => [numberOf(s.assignments, 'x'), numberOf(s.assignments, 'y')] as const);
    assert.equal(points.length, 6);
    let closest = Number.POSITIVE_INFINITY;
    points.forEach(([ax, ay], i) => {
      points.slice(i + 1).forEach(([bx, by]) => {
        closest = Math.min(closest, Math.hypot(ax - bx, ay - by));
      });
    });
    assert.ok(closest > 0.02, `closest pair of the 6 suggestions is ${closest} apart`);
  });

  it('treats running trials as pending: the next suggestion is not on top of them', () => {
    const study = createStudy({ parameters: bowlSpace, algorithm: { name: 'bayesianoptimization' } });
    for (let i = 0; i < 20; i++) {
      const [t] = study.ask(1);
      study.tell(t!, bowl(t!.values.x as number, t!.values.y as number));
    }
    const [running] = study.ask(1);
    const [next] = study.ask(1);
    const distance = Math.hypot(
      (running!.values.x as number) - (next!.values.x as number),
      (running!.values.y as number) - (next!.values.y as number),
    );
    assert.ok(distance > 1e-3, `next suggestion ${distance} from the running one`);
  });

  it('handles ints, steps, logUniform and categoricals, and never repeats a point of a finite space', () => {
    const parameters: ParameterSpec[] = [
      int('layers', '1', '4'),
      categorical('opt', ['sgd', 'adam']),
      double('lr', '0.001', '0.1', { step: '0.033' }),
    ];
    // 4 x 2 x 4 = 32 points
    const study = createStudy({
      parameters,
      algorithm: { name: 'bayesianoptimization', settings: { n_initial_points: 3 } },
    });
    const seen = new Set<string>();
    for (;;) {
      const [t] = study.ask(1);
      if (t === undefined) break;
      const key = JSON.stringify(t.assignments);
      assert.ok(!seen.has(key), `${key} suggested twice`);
      seen.add(key);
      const { layers, opt, lr } = t.values as { layers: number; opt: string; lr: number };
      study.tell(t, (layers - 3) ** 2 + (opt === 'adam' ? 0 : 1) + Math.abs(lr - 0.034));
    }
    assert.equal(seen.size, 32);
  });

  it('is deterministic per random_state and differs between random_states', () => {
    const exp = (seed: string) =>
      makeExperiment(bowlSpace, {
        algorithm: 'bayesianoptimization',
        settings: [{ name: 'random_state', value: seed }],
      });
    const trials = [0.1, 0.5, 0.9].map((v, i) =>
      makeTrial(
        i,
        [
          { name: 'x', value: String(v) },
          { name: 'y', value: String(1 - v) },
        ],
        v,
      ),
    );
    const a = bo().suggest({ experiment: exp('1'), trials, count: 2 });
    assert.deepEqual(bo().suggest({ experiment: exp('1'), trials, count: 2 }), a);
    assert.notDeepEqual(bo().suggest({ experiment: exp('2'), trials, count: 2 }), a);
  });

  describe('validateSettings', () => {
    it('accepts Katib settings with their values', () => {
      bo().validateSettings(
        makeExperiment(bowlSpace, {
          algorithm: 'bayesianoptimization',
          settings: [
            { name: 'base_estimator', value: 'GP' },
            { name: 'n_initial_points', value: '0' },
            { name: 'acq_func', value: 'LCB' },
            { name: 'acq_optimizer', value: 'lbfgs' },
            { name: 'random_state', value: '7' },
          ],
        }),
      );
    });

    it('reports every bad setting at once, each with its rule', () => {
      const experiment = makeExperiment(bowlSpace, {
        algorithm: 'bayesianoptimization',
        settings: [
          { name: 'base_estimator', value: 'RF' },
          { name: 'n_initial_points', value: '-1' },
          { name: 'acq_func', value: 'EIps' },
          { name: 'acq_optimizer', value: 'adam' },
          { name: 'random_state', value: 'x' },
          { name: 'kappa', value: '2' },
        ],
      });
      invalid(
        () => bo().validateSettings(experiment),
        'algorithmSettings[0].value: "RF" is not a valid base_estimator: must be GP',
        'algorithmSettings[1].value: "-1" is not a valid n_initial_points: must be a non-negative integer',
        'algorithmSettings[2].value: "EIps" is not a valid acq_func: must be one of gp_hedge, LCB, EI, PI',
        'algorithmSettings[3].value: "adam" is not a valid acq_optimizer: must be one of auto, sampling, lbfgs',
        'algorithmSettings[4].value: "x" is not a valid random_state',
        'algorithmSettings[5].name: "kappa" is not a setting of algorithm bayesianoptimization',
      );
      invalid(() => bo().suggest({ experiment, trials: [], count: 1 }), '"RF"');
    });
  });
});

describe('Gaussian process', () => {
  const layout = { dims: 2, categorical: Uint8Array.from([0, 1]) };
  // Three points of a 1-D numeric coordinate and a 2-category coordinate.
  const X = Float64Array.from([0.1, 0, 0.5, 0, 0.9, 1]);
  const y = Float64Array.from([1, -1, 0.5]);

  it('interpolates its training points with a small noise and reverts to the prior far away', () => {
    const params = { lengthscales: Float64Array.from([0.2, 1]), signal: 1, noise: 1e-6 };
    const gp = GaussianProcess.create(layout, params, X, y, 3)!;
    for (let i = 0; i < 3; i++) {
      const p = gp.predict(X.subarray(i * 2, i * 2 + 2));
      assert.ok(Math.abs(p.mean - y[i]!) < 1e-3, `mean at point ${i}: ${p.mean} vs ${y[i]}`);
      assert.ok(p.variance < 1e-4, `variance at point ${i}: ${p.variance}`);
    }
    const far = gp.predict([0.3, 1]); // between the points, other category
    assert.ok(far.variance > 0.3, `variance away from the data: ${far.variance}`);
  });

  it('gives gradients that match finite differences', () => {
    const params = { lengthscales: Float64Array.from([0.3, 1]), signal: 1.5, noise: 1e-4 };
    const gp = GaussianProcess.create(layout, params, X, y, 3)!;
    const dMean = new Float64Array(2);
    const dVariance = new Float64Array(2);
    gp.predictWithGradient([0.37, 0], dMean, dVariance);
    const h = 1e-6;
    const up = gp.predict([0.37 + h, 0]);
    const down = gp.predict([0.37 - h, 0]);
    assert.ok(Math.abs((up.mean - down.mean) / (2 * h) - dMean[0]!) < 1e-5);
    assert.ok(Math.abs((up.variance - down.variance) / (2 * h) - dVariance[0]!) < 1e-5);
    assert.equal(dMean[1], 0, 'no gradient along a categorical coordinate');
  });

  it('fits length scales that follow the data: short along a wiggly axis, long along a flat one', () => {
    const rng = new Rng(3);
    const n = 40;
    const Xs = new Float64Array(n * 2);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      Xs[2 * i] = rng.float();
      Xs[2 * i + 1] = rng.float();
      ys[i] = Math.sin(12 * Xs[2 * i]!);
    }
    const params = fitKernel({ dims: 2, categorical: new Uint8Array(2) }, Xs, ys, n, new Rng(1), {
      restarts: 3,
      maxIterations: 50,
    });
    assert.ok(params.lengthscales[0]! < 0.5, `wiggly axis length scale ${params.lengthscales[0]}`);
    assert.ok(params.lengthscales[1]! > 2 * params.lengthscales[0]!, `flat axis ${params.lengthscales[1]}`);
    assert.ok(params.noise < 1e-2, `noise ${params.noise}`);
    const gp = GaussianProcess.create({ dims: 2, categorical: new Uint8Array(2) }, params, Xs, ys, n)!;
    const p = gp.predict([0.42, 0.5]);
    assert.ok(Math.abs(p.mean - Math.sin(12 * 0.42)) < 0.1, `prediction ${p.mean} vs ${Math.sin(12 * 0.42)}`);
  });
});
