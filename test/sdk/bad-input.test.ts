import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import { KatibClient, search, type TuneOptions } from '../../src/sdk/index.js';
import { functionSource } from '../../src/sdk/objective/function-source.js';
import { checkTuneOptions } from '../../src/sdk/tune-options.js';
import { assertKatibError, SEED_PARAMETERS, tempDir } from './support.js';

const tmp = tempDir('katib-sdk-bad-');
after(() => tmp.remove());

const GOOD: TuneOptions = {
  name: 'bad-input',
  parameters: SEED_PARAMETERS,
  objective: ({ a }) => a,
  objectiveMetricName: 'result',
  maxTrialCount: 5,
};

describe('search', () => {
  it('builds Katib parameter specs, log-uniform included', () => {
    assert.deepEqual(search.int({ min: 10, max: 20 }), {
      parameterType: 'int',
      feasibleSpace: { min: '10', max: '20' },
    });
    assert.deepEqual(search.double({ min: 1e-4, max: 0.1, distribution: 'logUniform' }), {
      parameterType: 'double',
      feasibleSpace: { min: '0.0001', max: '0.1', distribution: 'logUniform' },
    });
    assert.deepEqual(search.double({ min: 0, max: 1, step: 0.25 }).feasibleSpace, {
      min: '0',
      max: '1',
      step: '0.25',
    });
    assert.deepEqual(search.categorical(['sgd', 'adam']), {
      parameterType: 'categorical',
      feasibleSpace: { list: ['sgd', 'adam'] },
    });
    assert.deepEqual(search.discrete([16, 32]).feasibleSpace, { list: ['16', '32'] });
  });

  const bad: [string, () => unknown, string][] = [
    ['int with a fraction', () => search.int({ min: 1.5, max: 3 }), 'search.int.min'],
    ['min above max', () => search.double({ min: 2, max: 1 }), 'search.double.min'],
    ['a string bound', () => search.int({ min: '1' as never, max: 3 }), 'search.int.min'],
    ['a zero step', () => search.double({ min: 0, max: 1, step: 0 }), 'search.double.step'],
    [
      'log-uniform from 0',
      () => search.double({ min: 0, max: 1, distribution: 'logUniform' }),
      'search.double.min',
    ],
    [
      'an unknown distribution',
      () => search.double({ min: 0, max: 1, distribution: 'gaussian' as never }),
      'search.double.distribution',
    ],
    ['an unknown option', () => search.int({ min: 0, max: 1, steps: 2 } as never), 'search.int.steps'],
    ['an empty list', () => search.categorical([]), 'search.categorical'],
    ['a repeated entry', () => search.categorical(['a', 'a']), 'search.categorical[1]'],
    ['a non-number in discrete', () => search.discrete([1, Number.NaN]), 'search.discrete[1]'],
  ];
  for (const [what, build, field] of bad) {
    it(`refuses ${what}, naming ${field}`, () => {
      assert.throws(
        build,
        (err: unknown) => err instanceof KatibError && err.code === 'invalid_argument' && err.field === field,
      );
    });
  }
});

describe('tune: bad options are typed errors naming the option, and store nothing', () => {
  const client = new KatibClient({
    db: `sqlite:${join(tmp.dir, 'never.db')}`,
    workDir: join(tmp.dir, 'work'),
  });
  after(() => client.close());

  const cases: [string, Record<string, unknown>, string][] = [
    ['a string maxTrialCount', { maxTrialCount: '5' }, 'maxTrialCount'],
    ['a fractional parallelTrialCount', { parallelTrialCount: 1.5 }, 'parallelTrialCount'],
    ['an unknown option (with a hint)', { maxTrialCounts: 5 }, 'maxTrialCounts'],
    ["Katib's Kubernetes-only option", { resourcesPerTrial: { cpu: '1' } }, 'resourcesPerTrial'],
    ['parallelTrialCount above maxTrialCount', { parallelTrialCount: 9 }, 'parallelTrialCount'],
    ['a negative maxFailedTrialCount', { maxFailedTrialCount: -1 }, 'maxFailedTrialCount'],
    ['a name Katib refuses', { name: 'Bad_Name' }, 'name'],
    ['a missing objectiveMetricName', { objectiveMetricName: undefined }, 'objectiveMetricName'],
    [
      'an additional metric repeating the objective',
      { additionalMetricNames: ['result'] },
      'additionalMetricNames[0]',
    ],
    ['an objectiveType that is not one', { objectiveType: 'max' }, 'objectiveType'],
    ['a string objectiveGoal', { objectiveGoal: '3' }, 'objectiveGoal'],
    ['an unknown algorithm', { algorithmName: 'simulated-annealing' }, 'algorithmName'],
    [
      'an algorithm setting out of range',
      { algorithmName: 'tpe', algorithmSettings: { gamma: 7 } },
      'algorithmSettings.gamma',
    ],
    [
      'an unknown algorithm setting',
      { algorithmName: 'tpe', algorithmSettings: { gama: 0.2 } },
      'algorithmSettings.gama',
    ],
    ['parameters that are not a search space', { parameters: { a: { min: 1, max: 2 } } }, 'parameters.a'],
    [
      'a hand-written space Katib refuses',
      { parameters: { a: { parameterType: 'int', feasibleSpace: { min: '5', max: '1' } } } },
      'parameters.a.min',
    ],
    ['no parameters', { parameters: {} }, 'parameters'],
    [
      'a parameter name that cannot be a placeholder',
      { parameters: { 'a}b': SEED_PARAMETERS.a } },
      'parameters.a}b',
    ],
    ['an objective that is neither function, module nor command', { objective: 42 }, 'objective'],
    ['an empty command', { objective: [] }, 'objective'],
    ['a module that does not exist', { objective: { module: './no-such-module.mjs' } }, 'objective.module'],
    [
      'a module option that is not one',
      { objective: { module: './x.mjs', exports: 'f' } },
      'objective.exports',
    ],
    ['a bound function', { objective: ((p: unknown) => p).bind(null) }, 'objective'],
    ['a function using import.meta', { objective: () => import.meta.url.length }, 'objective'],
    [
      'an unknown collector kind',
      { metricsCollectorConfig: { kind: 'Prometheus' } },
      'metricsCollectorConfig.kind',
    ],
    [
      'an option of another collector kind',
      { metricsCollectorConfig: { kind: 'Push', path: 'm.log' } },
      'metricsCollectorConfig.path',
    ],
    [
      'a bad metricsFormat',
      { metricsCollectorConfig: { kind: 'StdOut', metricsFormat: ['(x'] } },
      'metricsCollectorConfig',
    ],
    [
      'a metric name the default pattern cannot read',
      { objectiveMetricName: 'val.acc' },
      'objectiveMetricName',
    ],
    ['a non-string envPerTrial value', { envPerTrial: { SEED: 1 } }, 'envPerTrial.SEED'],
    [
      'a KATIB_ variable in envPerTrial',
      { envPerTrial: { KATIB_TRIAL_NAME: 'x' } },
      'envPerTrial.KATIB_TRIAL_NAME',
    ],
    ['a non-boolean retainTrials', { retainTrials: 'yes' }, 'retainTrials'],
  ];
  for (const [what, change, field] of cases) {
    it(`refuses ${what}`, async () => {
      await assertKatibError(client.tune({ ...GOOD, ...change } as TuneOptions), 'invalid_argument', field);
    });
  }

  it('refuses options that are not an object, and KatibClient options that are wrong', async () => {
    await assertKatibError(client.tune(undefined as never), 'invalid_argument', 'tune');
    assert.throws(
      () => new KatibClient({ adress: 'x:1' } as never),
      /adress: .* is not an option; did you mean address\?/,
    );
    assert.throws(
      () => new KatibClient({ address: '127.0.0.1:1', db: 'sqlite:x.db' }),
      /address: .* cannot be combined/,
    );
    assert.throws(() => new KatibClient({ timeout: -1 }), /timeout: -1 must be a positive number/);
    await assertKatibError(
      new KatibClient({ address: 'not an address' }).listExperiments(),
      'invalid_argument',
      'address',
    );
  });

  it('refuses bad names, queries and wait options naming them', async () => {
    await assertKatibError(client.getExperiment(''), 'invalid_argument', 'name');
    await assertKatibError(
      client.getTrialMetrics('t', { metric: 'x' } as never),
      'invalid_argument',
      'query.metric',
    );
    await assertKatibError(
      client.waitForExperimentCondition('x', { expectedCondition: 'Done' as never }),
      'invalid_argument',
      'expectedCondition',
    );
    await assertKatibError(
      client.waitForExperimentCondition('x', { timeout: 0 }),
      'invalid_argument',
      'timeout',
    );
  });

  it('opened no database for any of them', () => {
    assert.equal(existsSync(join(tmp.dir, 'never.db')), false);
  });
});

describe('function objectives: what can be serialised', () => {
  it('keeps arrows and functions as written, and wraps method shorthand back into an object', () => {
    assert.match(
      functionSource((p: number) => p + 1, 'objective'),
      /^\(?p\)?\s*=>\s*p\s*\+\s*1$/,
    );
    const o = {
      async objective(p: { a: number }) {
        return p.a;
      },
    };
    const source = functionSource(o.objective, 'objective');
    assert.match(source, /^\(\{ async objective\(p\)\s*\{/);
    assert.match(source, /\)\["objective"\]$/);
    assert.throws(() => functionSource(Math.max, 'objective'), /native or bound function/);
    assert.throws(() => functionSource(class X {}, 'objective'), /is a class/);
  });
});

describe('tune options (the zod schema): one error naming the option, the value and the rule', () => {
  const cases: [string, unknown, string][] = [
    [
      'a string count',
      { maxTrialCount: '5' },
      'maxTrialCount: "5" must be an integer (a number, not a string)',
    ],
    ['a typo', { maxTrialCounts: 5 }, 'maxTrialCounts: 5 is not an option; did you mean maxTrialCount?'],
    ['a missing option', { objectiveMetricName: undefined }, 'objectiveMetricName: undefined is required'],
    ['an objective given as undefined', { objective: undefined }, 'objective: undefined is required'],
    ['an empty name', { name: '' }, 'name: "" must be a non-empty string'],
    ['no parameters', { parameters: {} }, 'parameters: {} must name at least one parameter'],
    [
      'a parameter that is not a search space',
      { parameters: { a: { min: 1 } } },
      'parameters.a: {"min":1} must be a search space (search.int, search.double, search.categorical, search.discrete)',
    ],
    [
      'a non-string metric name',
      { additionalMetricNames: ['a', 1] },
      'additionalMetricNames[1]: 1 must be a string',
    ],
    [
      'an infinite goal',
      { objectiveGoal: Number.POSITIVE_INFINITY },
      'objectiveGoal: Infinity must be a finite number',
    ],
    [
      'an algorithm setting of another type',
      { algorithmSettings: { x: null } },
      'algorithmSettings.x: null must be a string, number or boolean',
    ],
    [
      'a KATIB_ variable',
      { envPerTrial: { KATIB_X: 'v' } },
      'envPerTrial.KATIB_X: "KATIB_X" is not a variable name a trial may set (KATIB_* are set by katib-ts)',
    ],
    [
      "another kind's collector option",
      { metricsCollectorConfig: { kind: 'Push', path: 'm' } },
      'metricsCollectorConfig.path: "m" is not an option for kind Push (options: kind)',
    ],
    [
      'a collector option typo',
      { metricsCollectorConfig: { kind: 'File', pth: 'm' } },
      'metricsCollectorConfig.pth: "m" is not an option for kind File; did you mean path?',
    ],
    [
      'a collector format',
      { metricsCollectorConfig: { kind: 'File', format: 'XML' } },
      'metricsCollectorConfig.format: "XML" must be "TEXT" or "JSON"',
    ],
    [
      'a collector kind',
      { metricsCollectorConfig: { kind: 'Prom' } },
      'metricsCollectorConfig.kind: "Prom" must be "StdOut", "Push" or "File"',
    ],
    ['a non-boolean', { retainTrials: 'yes' }, 'retainTrials: "yes" must be true or false'],
    // Several problems: the unknown option first, then a missing one, then values in option order.
    [
      'a typo and a bad value',
      { name: 3, maxTrialCounts: 5 },
      'maxTrialCounts: 5 is not an option; did you mean maxTrialCount?',
    ],
    [
      'a bad value and a missing one',
      { name: 3, objectiveMetricName: undefined },
      'objectiveMetricName: undefined is required',
    ],
    [
      'two bad values',
      { objectiveType: 'max', maxTrialCount: '5' },
      'objectiveType: "max" must be "maximize" or "minimize"',
    ],
  ];
  for (const [what, change, message] of cases) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => checkTuneOptions({ ...GOOD, ...(change as object) }),
        (err: unknown) =>
          err instanceof KatibError && err.code === 'invalid_argument' && err.message === message,
      );
    });
  }
  it('refuses what is not an options object', () => {
    for (const raw of [undefined, null, 42, [], 'x'])
      assert.throws(() => checkTuneOptions(raw), {
        field: 'tune',
        message: /^tune: .* takes an options object$/,
      });
  });
  it('returns good options as they are', () => {
    assert.equal(checkTuneOptions(GOOD), GOOD);
  });
});
