import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { Experiment, ObjectiveType, Setting } from '../../src/api/experiment.js';
import type { MetricLog } from '../../src/api/observation.js';
import type { Trial, TrialConditionType } from '../../src/api/trial.js';
import {
  breaksRules,
  computeRules,
  type EarlyStoppingRule,
  getEarlyStopper,
  knownEarlyStoppers,
  MedianStop,
  type ObjectiveOf,
  StopChecker,
} from '../../src/earlystopping/index.js';

function experiment(type: ObjectiveType, settings: Setting[] = []): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'median' },
    spec: {
      parameters: [{ name: 'lr', parameterType: 'double', feasibleSpace: { min: '0.01', max: '0.1' } }],
      objective: { type, objectiveMetricName: 'acc', additionalMetricNames: ['loss'], metricStrategies: [] },
      algorithm: { algorithmName: 'random', algorithmSettings: [] },
      earlyStopping: { algorithmName: 'medianstop', algorithmSettings: settings },
      parallelTrialCount: 3,
      trialTemplate: { trialParameters: [], trialSpec: {} },
      metricsCollectorSpec: { collector: { kind: 'Push' } },
      resumePolicy: 'Never',
    },
  };
}

function trial(name: string, state: TrialConditionType): Trial {
  const time = '2026-01-01T00:00:00Z';
  const condition = (type: TrialConditionType) => ({
    type,
    status: 'True' as const,
    reason: type,
    message: '',
    lastUpdateTime: time,
    lastTransitionTime: time,
  });
  return {
    name,
    experimentName: 'median',
    parameterAssignments: [{ name: 'lr', value: '0.05' }],
    labels: {},
    conditions: state === 'Created' ? [condition('Created')] : [condition('Created'), condition(state)],
  };
}

/** An objective log (and a loss log in between, which the rules must not count). */
function logs(...values: (number | string)[]): MetricLog[] {
  return values.flatMap((value, k) => [
    { time: k * 2, name: 'acc', value: String(value) },
    { time: k * 2 + 1, name: 'loss', value: '9' },
  ]);
}

/** The rules for trials with the given states and objective logs, as a caller would compute them. */
async function rulesFor(
  e: Experiment,
  history: { state: TrialConditionType; values: (number | string)[] }[],
): Promise<EarlyStoppingRule[]> {
  const trials = history.map((h, k) => trial(`t${k}`, h.state));
  const read: string[] = [];
  const rules = await computeRules(getEarlyStopper('medianstop'), { experiment: e, trials }, async (q) => {
    assert.equal(q.metricName, 'acc');
    read.push(q.trialName);
    return logs(...history[Number(q.trialName.slice(1))]!.values);
  });
  // Only the Succeeded trials' logs are read.
  assert.deepEqual(
    read,
    history.flatMap((h, k) => (h.state === 'Succeeded' ? [`t${k}`] : [])),
  );
  return rules;
}

describe('medianstop rules', () => {
  it('no rules until min_trials_required trials have succeeded', async () => {
    const e = experiment('maximize');
    assert.deepEqual(
      await rulesFor(e, [
        { state: 'Succeeded', values: [0.5] },
        { state: 'Succeeded', values: [0.6] },
        { state: 'Failed', values: [0.9] },
        { state: 'Running', values: [0.9] },
        { state: 'EarlyStopped', values: [0.1] },
      ]),
      [],
    );
  });

  const table: {
    name: string;
    type: ObjectiveType;
    settings?: Setting[];
    values: (number | string)[][];
    rule: EarlyStoppingRule;
  }[] = [
    {
      name: 'maximize: LESS than the mean of the first-4 averages, from step 4',
      type: 'maximize',
      values: [
        [0.1, 0.2, 0.3, 0.4, 0.99], // average of the first 4: 0.25
        [0.5, 0.5, 0.5, 0.5], // 0.5
        [0.1, 0.5], // 0.3 (fewer than start_step values: all of them)
      ],
      rule: { name: 'acc', value: (0.25 + 0.5 + 0.3) / 3, comparison: 'less', startStep: 4 },
    },
    {
      name: 'minimize: GREATER; non-numbers are skipped',
      type: 'minimize',
      settings: [
        { name: 'min_trials_required', value: '4' },
        { name: 'start_step', value: '2' },
      ],
      values: [
        [1, 3],
        ['unavailable', 2, 2, 100],
        [10, 20],
        [4, 4],
      ],
      rule: { name: 'acc', value: (2 + 2 + 15 + 4) / 4, comparison: 'greater', startStep: 2 },
    },
    {
      name: 'the mean, as Katib computes it (not the median the name suggests)',
      type: 'maximize',
      settings: [{ name: 'start_step', value: '1' }],
      values: [[1], [2], [100]],
      rule: { name: 'acc', value: (1 + 2 + 100) / 3, comparison: 'less', startStep: 1 },
    },
  ];
  for (const c of table) {
    it(c.name, async () => {
      const history = c.values.map((values) => ({ state: 'Succeeded' as const, values }));
      history.push({ state: 'Succeeded', values: [] }); // no objective log: left out
      assert.deepEqual(await rulesFor(experiment(c.type, c.settings), history), [c.rule]);
    });
  }
});

describe('checking a running trial', () => {
  const maximize = { objectiveMetricName: 'acc', type: 'maximize' as const };
  const minimize = { objectiveMetricName: 'acc', type: 'minimize' as const };
  const less: EarlyStoppingRule[] = [{ name: 'acc', value: 0.5, comparison: 'less', startStep: 3 }];
  const greater: EarlyStoppingRule[] = [{ name: 'acc', value: 0.5, comparison: 'greater', startStep: 3 }];

  const cases: {
    name: string;
    rules: EarlyStoppingRule[];
    objective: ObjectiveOf;
    values: string[];
    stop: boolean;
  }[] = [
    {
      name: 'below the rule value at step 3',
      rules: less,
      objective: maximize,
      values: ['0.1', '0.2', '0.3'],
      stop: true,
    },
    {
      name: 'below, but only 2 reports',
      rules: less,
      objective: maximize,
      values: ['0.1', '0.2'],
      stop: false,
    },
    {
      name: 'a best value above the rule value at step 3 keeps it running',
      rules: less,
      objective: maximize,
      values: ['0.9', '0.1', '0.1', '0.1'],
      stop: false,
    },
    {
      name: 'non-numbers are not reports',
      rules: less,
      objective: maximize,
      values: ['0.1', 'unavailable', 'nan', '0.2'],
      stop: false,
    },
    {
      name: 'minimize: best (lowest) above the rule value',
      rules: greater,
      objective: minimize,
      values: ['0.9', '0.8', '0.7'],
      stop: true,
    },
    {
      name: 'minimize: a low value early saves it',
      rules: greater,
      objective: minimize,
      values: ['0.4', '0.8', '0.9'],
      stop: false,
    },
    {
      name: 'at the median is not below it',
      rules: less,
      objective: maximize,
      values: ['0.5', '0.5', '0.5', '0.5'],
      stop: false,
    },
    {
      name: 'no rules never stop',
      rules: [],
      objective: maximize,
      values: ['0', '0', '0', '0', '0'],
      stop: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const metricLogs = c.values.map((value, k) => ({ time: k, name: 'acc', value }));
      assert.equal(breaksRules(c.rules, metricLogs, c.objective), c.stop);
    });
  }

  it('every rule must be broken; a broken rule stays broken; other metrics compare their own value', () => {
    const rules: EarlyStoppingRule[] = [
      { name: 'acc', value: 0.5, comparison: 'less', startStep: 1 },
      { name: 'epoch', value: 3, comparison: 'equal', startStep: 0 },
    ];
    const checker = new StopChecker(rules, maximize);
    assert.equal(checker.observe({ name: 'acc', value: '0.2' }), false); // first rule broken
    assert.equal(checker.observe({ name: 'acc', value: '0.9' }), false); // stays broken
    assert.equal(checker.observe({ name: 'epoch', value: '2' }), false);
    assert.equal(checker.observe({ name: 'epoch', value: '3' }), true);
    assert.equal(checker.stop, true);
  });
});

describe('medianstop settings and registry', () => {
  it('knows medianstop and rejects other names, listing the known ones', () => {
    assert.deepEqual(knownEarlyStoppers(), ['medianstop']);
    assert.ok(getEarlyStopper('medianstop') instanceof MedianStop);
    assert.throws(
      () => getEarlyStopper('nope'),
      (err: unknown) =>
        err instanceof KatibError &&
        err.code === 'invalid_argument' &&
        err.field === 'spec.earlyStopping.algorithmName' &&
        err.message.includes('(known: medianstop)'),
    );
  });

  it('accepts the defaults and good values', () => {
    const stopper = getEarlyStopper('medianstop');
    stopper.validateSettings({ algorithmName: 'medianstop', algorithmSettings: [] });
    stopper.validateSettings({
      algorithmName: 'medianstop',
      algorithmSettings: [
        { name: 'min_trials_required', value: '1' },
        { name: 'start_step', value: '10' },
      ],
    });
  });

  it('reports every bad setting: names, values, rules', () => {
    assert.throws(
      () =>
        getEarlyStopper('medianstop').validateSettings({
          algorithmName: 'medianstop',
          algorithmSettings: [
            { name: 'min_trials_required', value: '0' },
            { name: 'start_step', value: 'four' },
            { name: 'patience', value: '3' },
            { name: 'start_step', value: '2' },
          ],
        }),
      (err: unknown) => {
        assert.ok(err instanceof KatibError && err.code === 'invalid_argument');
        assert.equal(
          err.message,
          [
            'spec.earlyStopping.algorithmSettings[0].value: "0" is not a valid min_trials_required: must be a whole number >= 1',
            'spec.earlyStopping.algorithmSettings[1].value: "four" is not a valid start_step: must be a whole number >= 1',
            'spec.earlyStopping.algorithmSettings[2].name: "patience" is not a setting of medianstop (known: min_trials_required, start_step)',
            'spec.earlyStopping.algorithmSettings[3].name: "start_step" is set more than once',
          ].join('; '),
        );
        assert.equal(err.field, 'spec.earlyStopping.algorithmSettings[0].value');
        return true;
      },
    );
  });

  it('rules() refuses bad settings too', () => {
    const e = experiment('maximize', [{ name: 'start_step', value: '-1' }]);
    assert.throws(
      () => getEarlyStopper('medianstop').rules({ experiment: e, trials: [], logs: new Map() }),
      /start_step: must be a whole number >= 1/,
    );
  });
});
