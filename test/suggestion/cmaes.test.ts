import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { ParameterSpec } from '../../src/api/experiment.js';
import {
  type CmaesSettings,
  DEFAULT_SIGMA,
  defaultPopulation,
  replayRequest,
} from '../../src/suggestion/cmaes/index.js';
import { buildSearchSpace, createStudy, getSuggester, type Study } from '../../src/suggestion/index.js';
import { categorical, double, int, makeExperiment } from './fixtures.js';

const cmaes = () => getSuggester('cmaes');

/** A 4-D sphere in [-2, 2]^4 with its minimum 0 at (1, -0.5, 0.25, 0). */
const CENTRE = [1, -0.5, 0.25, 0];
const sphereSpace = CENTRE.map((_, i) => double(`x${i}`, '-2', '2'));
const sphere = (values: Record<string, unknown>) =>
  CENTRE.reduce((s, c, i) => s + ((values[`x${i}`] as number) - c) ** 2, 0);

function run(study: Study, trials: number, f: (values: Record<string, unknown>) => number): Study {
  for (let i = 0; i < trials; i++) {
    const [trial] = study.ask(1);
    study.tell(trial!, f(trial!.values));
  }
  return study;
}

function settingsOf(restartStrategy: CmaesSettings['restartStrategy']): CmaesSettings {
  return { sigma: DEFAULT_SIGMA, restartStrategy, randomState: '3' };
}

/** An int grid on which CMA-ES converges: once σ is below one step every draw rounds to one point. */
const gridSpace: ParameterSpec[] = [int('a', '0', '20'), int('b', '0', '20')];
const gridBowl = (v: Record<string, unknown>) => ((v.a as number) - 7) ** 2 + ((v.b as number) - 13) ** 2;

function invalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof KatibError, String(err));
    assert.equal(err.code, 'invalid_argument');
    for (const f of fragments) assert.ok(err.message.includes(f), `message names ${f}: ${err.message}`);
    return true;
  });
}

describe('cmaes', () => {
  it('beats random search on a 4-D sphere (3 fixed seeds, 80 trials)', () => {
    for (const seed of [1, 2, 3]) {
      const study = (algorithm: string) =>
        createStudy({
          parameters: sphereSpace,
          algorithm: { name: algorithm, settings: { random_state: seed } },
        });
      const es = run(study('cmaes'), 80, sphere).best()!.value;
      const random = run(study('random'), 80, sphere).best()!.value;
      // Random search reaches ~0.5 here, CMA-ES ~0.01.
      assert.ok(es < 0.1, `seed ${seed}: cmaes best ${es}`);
      assert.ok(es < random / 3, `seed ${seed}: cmaes ${es}, random ${random}`);
    }
  });

  it('replays the history into the same state every time, whatever the trial names and times', () => {
    const study = run(
      createStudy({ parameters: sphereSpace, algorithm: { name: 'cmaes', settings: { random_state: 4 } } }),
      50,
      sphere,
    );
    const space = buildSearchSpace(sphereSpace);
    const request = { experiment: study.experiment, trials: study.trials, count: 1 };
    const a = replayRequest(space, request, settingsOf('none'));
    const renamed = study.trials.map((t, i) => ({
      ...t,
      name: `other-${i}`,
      conditions: t.conditions.map((c) => ({ ...c, lastTransitionTime: '2030-01-01T00:00:00Z' })),
    }));
    const b = replayRequest(space, { ...request, trials: renamed }, settingsOf('none'));
    assert.deepEqual(b.strategy.mean, a.strategy.mean);
    assert.equal(b.strategy.sigma, a.strategy.sigma);
    assert.deepEqual(b.strategy.C, a.strategy.C);
    const lambda = defaultPopulation(4);
    assert.equal(a.strategy.generation, Math.floor(50 / lambda));
    assert.equal(a.filled, 50 % lambda);
    // The mean has moved from the centre of the cube towards the optimum.
    const unitOptimum = CENTRE.map((c) => (c + 2) / 4);
    const distance = Math.hypot(...Array.from(a.strategy.mean, (m, i) => m - unitOptimum[i]!));
    assert.ok(distance < 0.1, `mean ${Array.from(a.strategy.mean)} vs optimum ${unitOptimum}`);
  });

  it('does not update with a generation that still has a running trial', () => {
    const study = createStudy({ parameters: sphereSpace, algorithm: 'cmaes' });
    const lambda = defaultPopulation(4);
    const asked = study.ask(lambda);
    asked.slice(1).forEach((t) => {
      study.tell(t, sphere(t.values));
    });
    const space = buildSearchSpace(sphereSpace);
    const request = { experiment: study.experiment, trials: study.trials, count: 1 };
    const before = replayRequest(space, request, settingsOf('none'));
    assert.equal(before.strategy.generation, 0);
    assert.equal(before.filled, lambda);
    study.tell(asked[0]!, sphere(asked[0]!.values));
    const after = replayRequest(space, { ...request, trials: study.trials }, settingsOf('none'));
    assert.equal(after.strategy.generation, 1);
    assert.equal(after.filled, 0);
  });

  describe('restarts on a converged history', () => {
    // Converges on the int grid within ~20 generations, then TolFun needs 10 + ⌈30·2/6⌉ = 20 flat ones.
    const study = run(
      createStudy({
        parameters: gridSpace,
        algorithm: { name: 'cmaes', settings: { random_state: 3, restart_strategy: 'ipop' } },
      }),
      360,
      gridBowl,
    );
    const space = buildSearchSpace(gridSpace);
    const request = { experiment: study.experiment, trials: study.trials, count: 1 };
    const lambda = defaultPopulation(2);

    it('none: one run to the end', () => {
      const replayed = replayRequest(space, request, settingsOf('none'));
      assert.equal(replayed.runs.length, 1);
      assert.ok(replayed.strategy.sigma < 0.02, `sigma ${replayed.strategy.sigma}`);
    });

    it('ipop: the run stops on a criterion and restarts with twice the population from sigma0', () => {
      const { runs, strategy } = replayRequest(space, request, settingsOf('ipop'));
      assert.ok(runs.length >= 2, JSON.stringify(runs));
      assert.equal(runs[0]!.stopped, 'TolFun');
      assert.deepEqual(
        { lambda: runs[1]!.lambda, sigma: runs[1]!.sigma, regime: runs[1]!.regime },
        { lambda: 2 * lambda, sigma: DEFAULT_SIGMA, regime: 'large' },
      );
      assert.ok(runs[1]!.start > 0 && runs[1]!.start % lambda === 0);
      if (runs.length === 2) assert.equal(strategy.lambda, 2 * lambda);
    });

    it('ipop: suggestions after the restart explore again', () => {
      const values = study.trials
        .slice(-2 * lambda)
        .map((t) => t.parameterAssignments.map((a) => a.value).join());
      assert.ok(new Set(values).size > 3, `the newest trials are spread: ${[...new Set(values)]}`);
    });

    it('bipop: the first restart takes the small regime (no evaluations spent there yet)', () => {
      const { runs } = replayRequest(space, request, settingsOf('bipop'));
      assert.ok(runs.length >= 2, JSON.stringify(runs));
      const restart = runs[1]!;
      assert.equal(restart.regime, 'small');
      assert.ok(restart.lambda >= 4 && restart.lambda <= lambda, `lambda ${restart.lambda}`);
      assert.ok(
        restart.sigma <= DEFAULT_SIGMA && restart.sigma >= DEFAULT_SIGMA / 100,
        `sigma ${restart.sigma}`,
      );
      const large = runs.find((r) => r.regime === 'large');
      if (large !== undefined) assert.equal(large.lambda, 2 * lambda);
    });
  });

  it('draws categorical parameters from their list and needs no more than 2 numeric ones', () => {
    const parameters = [double('x', '0', '1'), int('n', '1', '3'), categorical('c', ['a', 'b', 'c'])];
    const experiment = makeExperiment(parameters, { algorithm: 'cmaes' });
    cmaes().validateSettings(experiment);
    const got = cmaes().suggest({ experiment, trials: [], count: 30 });
    const categories = new Set(got.map((s) => s.assignments.find((a) => a.name === 'c')!.value));
    assert.deepEqual([...categories].sort(), ['a', 'b', 'c']);
  });

  describe('validateSettings', () => {
    it('accepts its Katib settings', () => {
      cmaes().validateSettings(
        makeExperiment(sphereSpace, {
          algorithm: 'cmaes',
          settings: [
            { name: 'random_state', value: '1' },
            { name: 'sigma', value: '0.5' },
            { name: 'restart_strategy', value: 'bipop' },
          ],
        }),
      );
    });

    it('reports every bad setting and the space rule at once', () => {
      const experiment = makeExperiment([double('x', '0', '1'), categorical('c', ['a', 'b'])], {
        algorithm: 'cmaes',
        settings: [
          { name: 'sigma', value: '0' },
          { name: 'restart_strategy', value: 'sometimes' },
          { name: 'random_state', value: '-2' },
          { name: 'popsize', value: '10' },
        ],
      });
      invalid(
        () => cmaes().validateSettings(experiment),
        'algorithmSettings[0].value: "0" is not a valid sigma: must be a number > 0',
        'algorithmSettings[1].value: "sometimes" is not a valid restart_strategy: must be one of none, ipop, bipop',
        'algorithmSettings[2].value: "-2" is not a valid random_state',
        'algorithmSettings[3].name: "popsize" is not a setting of algorithm cmaes (known: random_state, sigma, restart_strategy)',
        'spec.parameters: "1 numeric parameter" cmaes needs at least 2 int, double or discrete parameters',
      );
      invalid(() => cmaes().suggest({ experiment, trials: [], count: 1 }), 'cmaes needs at least 2');
    });
  });
});
