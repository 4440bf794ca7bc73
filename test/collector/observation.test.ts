import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ObjectiveSpec } from '../../src/api/experiment.js';
import { parseMetricNumber } from '../../src/api/metric-value.js';
import type { MetricLog, ObservationMetric } from '../../src/api/observation.js';
import { comparedValue, metricNamesOf, observationOf, strategyFor } from '../../src/collector/index.js';

const log = (time: number, name: string, value: string): MetricLog => ({ time, name, value });

describe('parseMetricNumber', () => {
  const table: [string, number | undefined][] = [
    ['0.5', 0.5],
    ['-1', -1],
    ['+2.5e-3', 0.0025],
    ['.5', 0.5],
    ['5.', 5],
    ['1E6', 1e6],
    ['Inf', Number.POSITIVE_INFINITY],
    ['-infinity', Number.NEGATIVE_INFINITY],
    ['NaN', undefined],
    ['', undefined],
    [' 1', undefined],
    ['1 ', undefined],
    ['0x10', undefined],
    ['1_000', undefined],
    ['unavailable', undefined],
    ['-', undefined],
    ['.', undefined],
  ];
  for (const [text, expected] of table) {
    test(JSON.stringify(text), () => assert.equal(parseMetricNumber(text), expected));
  }
});

describe('observationOf', () => {
  const table: { name: string; logs: MetricLog[]; names: string[]; want: ObservationMetric[] }[] = [
    {
      name: 'no logs: everything unavailable',
      logs: [],
      names: ['loss', 'acc'],
      want: [
        { name: 'loss', min: 'unavailable', max: 'unavailable', latest: 'unavailable' },
        { name: 'acc', min: 'unavailable', max: 'unavailable', latest: 'unavailable' },
      ],
    },
    {
      name: 'min, max and latest keep the original text',
      logs: [log(1, 'loss', '0.50'), log(2, 'loss', '0.250'), log(3, 'loss', '1e0'), log(4, 'loss', '0.3')],
      names: ['loss'],
      want: [{ name: 'loss', min: '0.250', max: '1e0', latest: '0.3' }],
    },
    {
      name: 'latest is the newest time whatever the order; ties go to the later log',
      logs: [log(5, 'loss', '0.1'), log(9, 'loss', '0.2'), log(9, 'loss', '0.3'), log(7, 'loss', '0.4')],
      names: ['loss'],
      want: [{ name: 'loss', min: '0.1', max: '0.4', latest: '0.3' }],
    },
    {
      name: 'non-numeric values: out of min/max, still latest',
      logs: [log(1, 'loss', '0.5'), log(2, 'loss', 'unavailable')],
      names: ['loss'],
      want: [{ name: 'loss', min: '0.5', max: '0.5', latest: 'unavailable' }],
    },
    {
      name: 'only the unavailable marker',
      logs: [log(0, 'loss', 'unavailable')],
      names: ['loss'],
      want: [{ name: 'loss', min: 'unavailable', max: 'unavailable', latest: 'unavailable' }],
    },
    {
      name: 'equal values: the first one seen is kept',
      logs: [log(1, 'acc', '0.50'), log(2, 'acc', '0.5')],
      names: ['acc'],
      want: [{ name: 'acc', min: '0.50', max: '0.50', latest: '0.5' }],
    },
    {
      name: 'other metrics ignored, one metric missing',
      logs: [log(1, 'other', '9'), log(1, 'acc', '0.7')],
      names: ['loss', 'acc'],
      want: [
        { name: 'loss', min: 'unavailable', max: 'unavailable', latest: 'unavailable' },
        { name: 'acc', min: '0.7', max: '0.7', latest: '0.7' },
      ],
    },
    {
      name: 'negative and infinite values',
      logs: [log(1, 'x', '-3'), log(2, 'x', 'Inf'), log(3, 'x', '-Inf')],
      names: ['x'],
      want: [{ name: 'x', min: '-Inf', max: 'Inf', latest: '-Inf' }],
    },
  ];
  for (const c of table) {
    test(c.name, () => assert.deepEqual(observationOf(c.logs, c.names), c.want));
  }
});

describe('metric strategies', () => {
  const objective = (type: 'minimize' | 'maximize', strategies: ObjectiveSpec['metricStrategies'] = []) => ({
    type,
    metricStrategies: strategies,
  });
  const observation: ObservationMetric[] = [
    { name: 'loss', min: '0.1', max: '0.9', latest: '0.4' },
    { name: 'acc', min: '0.5', max: '0.8', latest: 'unavailable' },
    { name: 'none', min: 'unavailable', max: 'unavailable', latest: 'unavailable' },
  ];
  const table: {
    name: string;
    objective: ReturnType<typeof objective>;
    metric: string;
    want: number | undefined;
  }[] = [
    { name: 'default when minimizing is min', objective: objective('minimize'), metric: 'loss', want: 0.1 },
    { name: 'default when maximizing is max', objective: objective('maximize'), metric: 'loss', want: 0.9 },
    {
      name: 'listed latest',
      objective: objective('minimize', [{ name: 'loss', value: 'latest' }]),
      metric: 'loss',
      want: 0.4,
    },
    {
      name: 'listed max while minimizing',
      objective: objective('minimize', [{ name: 'loss', value: 'max' }]),
      metric: 'loss',
      want: 0.9,
    },
    {
      name: 'latest not numeric',
      objective: objective('maximize', [{ name: 'acc', value: 'latest' }]),
      metric: 'acc',
      want: undefined,
    },
    { name: 'unavailable metric', objective: objective('maximize'), metric: 'none', want: undefined },
    {
      name: 'metric not in the observation',
      objective: objective('maximize'),
      metric: 'missing',
      want: undefined,
    },
  ];
  for (const c of table) {
    test(c.name, () => assert.equal(comparedValue(observation, c.metric, c.objective), c.want));
  }

  test('strategyFor and metricNamesOf', () => {
    assert.equal(strategyFor(objective('maximize', [{ name: 'acc', value: 'latest' }]), 'acc'), 'latest');
    assert.equal(strategyFor(objective('maximize', [{ name: 'acc', value: 'latest' }]), 'loss'), 'max');
    assert.deepEqual(
      metricNamesOf({ objectiveMetricName: 'loss', additionalMetricNames: ['acc', 'loss', 'f1'] }),
      ['loss', 'acc', 'f1'],
    );
  });
});
