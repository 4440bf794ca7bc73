import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Experiment } from '../../src/api/experiment.js';
import { experimentSummary } from '../../src/ui/summaries.js';
import { objectiveLabel } from '../../src/ui/web/objective-label.js';
import { trainingExperiment } from './seed.js';

/** The seed's training experiment with its objective changed. */
function withObjective(objective: Partial<Experiment['spec']['objective']>): Experiment {
  const e = trainingExperiment('e');
  return { ...e, spec: { ...e.spec, objective: { ...e.spec.objective, ...objective } } };
}

describe("the trials table's objective column heading", () => {
  it('names the strategy whose values it shows: min, max, or latest', () => {
    assert.equal(objectiveLabel(experimentSummary(withObjective({})).objective), 'loss (min)');
    assert.equal(
      objectiveLabel(experimentSummary(withObjective({ type: 'maximize', metricStrategies: [] })).objective),
      'loss (max)',
    );
    const latest = withObjective({ metricStrategies: [{ name: 'loss', value: 'latest' }] });
    assert.equal(objectiveLabel(experimentSummary(latest).objective), 'loss (latest)');
    const maxOfLoss = withObjective({ metricStrategies: [{ name: 'loss', value: 'max' }] });
    assert.equal(objectiveLabel(experimentSummary(maxOfLoss).objective), 'loss (max)');
  });
});
