/**
 * TrialBook (the controller's incremental bookkeeping) against summarizeTrials (the pure
 * definition) over random trial histories: same counts, same optimal trial, same Created list.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { setCondition } from '../../src/api/conditions.js';
import type { Trial, TrialConditionType } from '../../src/api/trial.js';
import { summarizeTrials, trialState } from '../../src/controller/index.js';
import { TrialBook } from '../../src/controller/trial-book.js';
import { experiment, P, sh } from './harness.js';

const STATES: TrialConditionType[] = [
  'Created',
  'Running',
  'Succeeded',
  'Failed',
  'Killed',
  'MetricsUnavailable',
  'EarlyStopped',
];

function trial(name: string, state: TrialConditionType, loss: string | undefined, tick: number): Trial {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, tick)).toISOString();
  const t: Trial = {
    name,
    experimentName: 'book',
    parameterAssignments: [{ name: 'x', value: name }],
    labels: {},
    conditions: setCondition([], { type: state, reason: state, message: '' }, at),
  };
  if (loss !== undefined) t.observation = { metrics: [{ name: 'loss', min: loss, max: loss, latest: loss }] };
  return t;
}

describe('TrialBook', () => {
  for (const type of ['minimize', 'maximize'] as const) {
    it(`keeps summary() equal to summarizeTrials through any history (${type})`, () => {
      const spec = experiment('book', {
        command: sh(`echo ${P('x')}`),
        objective: { type, goal: 0.5, objectiveMetricName: 'loss' },
      }).spec;
      const step = fc.record({
        which: fc.nat(30),
        state: fc.constantFrom(...STATES),
        // Few distinct values, so ties between trials are common.
        loss: fc.option(fc.constantFrom('0.1', '0.5', '0.9', 'unavailable', 'NaN'), { nil: undefined }),
      });
      fc.assert(
        fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
          const book = new TrialBook(spec, []);
          let tick = 0;
          for (const s of steps) {
            const existing = book.trials[s.which % (book.trials.length + 1)];
            const name = existing?.name ?? `t${book.trials.length}`;
            // As in the controller, an observation comes once, with a terminal state.
            const loss = existing?.observation ? undefined : s.loss;
            const keep = existing?.observation ? existing.observation : undefined;
            const next = trial(name, s.state, loss, ++tick);
            if (keep) next.observation = keep;
            book.put(next);
            const want = summarizeTrials(spec, book.trials);
            assert.deepEqual(book.summary(), want);
            assert.deepEqual(
              book
                .created()
                .map((t) => t.name)
                .sort(),
              book.trials
                .filter((t) => trialState(t) === 'Created')
                .map((t) => t.name)
                .sort(),
            );
            assert.equal(book.get(name), next);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
