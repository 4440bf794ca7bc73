import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { ParameterSpec, Setting } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';
import { buildSearchSpace, createStudy, getSuggester, readHistory } from '../../src/suggestion/index.js';
import { assign, categorical, double, int, makeExperiment, makeTrial } from './fixtures.js';

const TPES = [
  { label: 'tpe', algorithm: 'tpe', settings: [] },
  {
    label: 'tpe (independent estimators)',
    algorithm: 'tpe',
    settings: [{ name: 'multivariate', value: 'false' }],
  },
  { label: 'multivariate-tpe', algorithm: 'multivariate-tpe', settings: [] },
] as const satisfies readonly { label: string; algorithm: string; settings: readonly Setting[] }[];
const sphere = [double('x', '-5', '5'), double('y', '-5', '5'), double('z', '-5', '5')];

function sphereValue(values: Record<string, number | string>): number {
  return (values.x as number) ** 2 + (values.y as number) ** 2 + (values.z as number) ** 2;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Best value found minimising the sphere with `trials` sequential ask/tell rounds. */
function bestOnSphere(
  algorithm: string,
  seed: number,
  trials: number,
  settings: readonly Setting[] = [],
): number {
  const given = Object.fromEntries(settings.map((s) => [s.name, s.value]));
  const study = createStudy({
    parameters: sphere,
    algorithm: { name: algorithm, settings: { ...given, random_state: seed } },
  });
  for (let i = 0; i < trials; i++) {
    const [trial] = study.ask();
    study.tell(trial!, sphereValue(trial!.values));
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

/** Unit-cube coordinates of the sphere's assignments ([-5, 5] -> [0, 1]). */
function unit(assignments: Setting[]): number[] {
  return ['x', 'y', 'z'].map((n) => (Number(assignments.find((a) => a.name === n)!.value) + 5) / 10);
}

function distance(a: number[], b: number[]): number {
  return Math.hypot(...a.map((v, i) => v - b[i]!));
}

function runningTrial(index: number, assignments: Setting[]): Trial {
  const trial = makeTrial(index, assignments);
  trial.conditions = trial.conditions.filter((c) => c.type === 'Created');
  delete trial.observation;
  delete trial.completionTime;
  return trial;
}

/** 30 finished trials with sphere values, made by random search. */
function finishedSphereHistory(): Trial[] {
  const experiment = makeExperiment(sphere, { algorithm: 'random' });
  const points = getSuggester('random').suggest({ experiment, trials: [], count: 30 });
  return points.map((s, i) => {
    const values = Object.fromEntries(s.assignments.map((a) => [a.name, Number(a.value)]));
    return makeTrial(i, s.assignments, -sphereValue(values)); // fixtures maximize: negate
  });
}

for (const { label, algorithm: name, settings } of TPES) {
  describe(label, () => {
    it('beats random search on a 3-D sphere (median of 5 seeds, 60 trials)', () => {
      const seeds = [1, 2, 3, 4, 5];
      const model = median(seeds.map((s) => bestOnSphere(name, s, 60, settings)));
      const random = median(seeds.map((s) => bestOnSphere('random', s, 60)));
      assert.ok(model < random * 0.5, `${name} median best ${model} vs random ${random}`);
    });

    it('spreads k suggestions of one call (constant liar), never near-copies', () => {
      const experiment = makeExperiment(sphere, { algorithm: name, settings: [...settings] });
      const got = getSuggester(name).suggest({ experiment, trials: finishedSphereHistory(), count: 8 });
      assert.equal(got.length, 8);
      const points = got.map((s) => unit(s.assignments));
      for (let i = 0; i < points.length; i++) {
        for (let j = 0; j < i; j++) {
          assert.ok(distance(points[i]!, points[j]!) > 0.02, `#${i} and #${j} are near-copies`);
        }
      }
    });

    it('steers away from running trials', () => {
      const experiment = makeExperiment(sphere, { algorithm: name, settings: [...settings] });
      const trials = finishedSphereHistory();
      const handed: number[][] = [];
      for (let k = 0; k < 6; k++) {
        const [next] = getSuggester(name).suggest({ experiment, trials, count: 1 });
        for (const p of handed)
          assert.ok(distance(unit(next!.assignments), p) > 0.02, `round ${k}: a near-copy`);
        handed.push(unit(next!.assignments));
        trials.push(runningTrial(trials.length, next!.assignments));
      }
    });

    it('maximizes when the objective says so', () => {
      const study = createStudy({
        parameters: [double('x', '0', '1')],
        objective: 'maximize',
        algorithm: {
          name,
          settings: { ...Object.fromEntries(settings.map((s) => [s.name, s.value])), random_state: 3 },
        },
      });
      for (let i = 0; i < 40; i++) {
        const [t] = study.ask();
        study.tell(t!, -(((t!.values.x as number) - 0.7) ** 2));
      }
      assert.ok(Math.abs((study.best()!.values.x as number) - 0.7) < 0.05, JSON.stringify(study.best()));
    });

    it('never repeats a tried point of a finite space and stops when it is used up', () => {
      const parameters = [int('a', '1', '4'), categorical('b', ['p', 'q', 'r'])]; // 12 points
      const experiment = makeExperiment(parameters, {
        algorithm: name,
        settings: [...settings, { name: 'n_startup_trials', value: '3' }],
      });
      const trials: Trial[] = [];
      for (let round = 0; round < 5; round++) {
        for (const s of getSuggester(name).suggest({ experiment, trials, count: 3 })) {
          trials.push(makeTrial(trials.length, s.assignments, Number(s.assignments[0]!.value)));
        }
      }
      const keys = trials.map((t) => JSON.stringify(t.parameterAssignments));
      assert.equal(trials.length, 12);
      assert.equal(new Set(keys).size, 12);
      assert.deepEqual(getSuggester(name).suggest({ experiment, trials, count: 2 }), []);
    });

    it('is reproducible per random_state and differs between them', () => {
      const exp = (seed: string) =>
        makeExperiment(sphere, {
          algorithm: name,
          settings: [...settings, { name: 'random_state', value: seed }],
        });
      const trials = finishedSphereHistory();
      const a = getSuggester(name).suggest({ experiment: exp('1'), trials, count: 3 });
      assert.deepEqual(getSuggester(name).suggest({ experiment: exp('1'), trials, count: 3 }), a);
      assert.notDeepEqual(getSuggester(name).suggest({ experiment: exp('2'), trials, count: 3 }), a);
    });
  });
}

describe('tpe settings', () => {
  const check = (algorithm: string, settings: Setting[]) => () =>
    getSuggester(algorithm).validateSettings(makeExperiment(sphere, { algorithm, settings }));

  it('accepts Katib names and sensible values', () => {
    check('tpe', [
      { name: 'gamma', value: '0.25' },
      { name: 'prior_weight', value: '1.5' },
      { name: 'n_EI_candidates', value: '24' },
      { name: 'n_startup_trials', value: '0' },
      { name: 'multivariate', value: 'false' },
      { name: 'random_state', value: '7' },
    ])();
    check('multivariate-tpe', [
      { name: 'n_startup_trials', value: '5' },
      { name: 'n_ei_candidates', value: '32' },
      { name: 'random_state', value: '7' },
    ])();
  });

  it('reports every bad tpe setting with its rule', () => {
    invalid(
      check('tpe', [
        { name: 'gamma', value: '1' },
        { name: 'prior_weight', value: '0' },
        { name: 'n_EI_candidates', value: '0' },
        { name: 'n_startup_trials', value: '-1' },
        { name: 'multivariate', value: 'yes' },
      ]),
      'algorithmSettings[0].value: "1" is not a valid gamma: must be a number > 0 and < 1',
      'algorithmSettings[1].value: "0" is not a valid prior_weight: must be a number > 0',
      'algorithmSettings[2].value: "0" is not a valid n_EI_candidates: must be an integer >= 1',
      'algorithmSettings[3].value: "-1" is not a valid n_startup_trials: must be a non-negative integer',
      'algorithmSettings[4].value: "yes" is not a valid multivariate: must be one of true, false',
    );
    invalid(check('tpe', [{ name: 'gamma', value: 'abc' }]), 'gamma: must be a number');
    invalid(check('tpe', [{ name: 'n_EI_candidates', value: '2.5' }]), 'n_EI_candidates');
  });

  it('multivariate-tpe knows only its own (Optuna) names', () => {
    invalid(
      check('multivariate-tpe', [
        { name: 'n_EI_candidates', value: '24' },
        { name: 'n_ei_candidates', value: '0' },
      ]),
      '"n_EI_candidates" is not a setting of algorithm multivariate-tpe (known: random_state, n_startup_trials, n_ei_candidates)',
      '"0" is not a valid n_ei_candidates',
    );
  });

  it('suggest refuses bad settings too', () => {
    const experiment = makeExperiment(sphere, {
      algorithm: 'tpe',
      settings: [{ name: 'gamma', value: '0' }],
    });
    invalid(() => getSuggester('tpe').suggest({ experiment, trials: [], count: 1 }), 'gamma');
  });
});

describe('readHistory', () => {
  const parameters: ParameterSpec[] = [double('x', '0', '1')];
  const space = buildSearchSpace(parameters);

  it('splits finished, stopped, running, failed and unfit trials; maximize becomes a loss', () => {
    const ok = makeTrial(0, assign({ x: '0.1' }), 0.9);
    const stopped = makeTrial(1, assign({ x: '0.2' }), 0.95);
    stopped.conditions[1] = { ...stopped.conditions[1]!, type: 'EarlyStopped', reason: 'TrialEarlyStopped' };
    const running = runningTrial(2, assign({ x: '0.3' }));
    const failed = makeTrial(3, assign({ x: '0.4' }));
    failed.conditions[1] = { ...failed.conditions[1]!, type: 'Failed', reason: 'TrialFailed' };
    const unavailable = makeTrial(4, assign({ x: '0.5' }));
    unavailable.observation = {
      metrics: [{ name: 'accuracy', min: 'unavailable', max: 'unavailable', latest: 'unavailable' }],
    };
    const unfit = makeTrial(5, assign({ x: '7' }));
    const history = readHistory(space, makeExperiment(parameters), [
      ok,
      stopped,
      running,
      failed,
      unavailable,
      unfit,
    ]);
    assert.deepEqual(history.observed, [
      { index: 0, point: [0.1], loss: -0.9, stopped: false },
      { index: 1, point: [0.2], loss: -0.95, stopped: true },
    ]);
    assert.deepEqual(history.pending, [[0.3]]);
    assert.deepEqual(history.failed, [[0.4], [0.5]]);
    assert.equal(history.unfit, 1);
  });

  it('uses the metric strategy of the objective', () => {
    const experiment = makeExperiment(parameters);
    experiment.spec.objective.metricStrategies = [{ name: 'accuracy', value: 'latest' }];
    const trial = makeTrial(0, assign({ x: '0.1' }));
    trial.observation = { metrics: [{ name: 'accuracy', min: '0.1', max: '0.9', latest: '0.5' }] };
    assert.equal(readHistory(space, experiment, [trial]).observed[0]!.loss, -0.5);
  });
});
