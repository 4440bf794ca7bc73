import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricNameProblem } from '../../src/api/metric-name.js';
import { isReportedMetricValue, isStoredMetricValue, parseMetricNumber } from '../../src/api/metric-value.js';
import { codeOfHttpStatus, isRetriedCode, nextRetryStep, retryWait } from '../../src/api/retry-policy.js';
import { label, NAME_CASES, RETRY_CASES, VALUE_CASES } from '../cases/cases.js';

// The definitions themselves against the shared tables: every other client's tests read the
// same tables, so any two clients that pass agree with these.
describe('a metric value (test/cases/metric-values.json)', () => {
  for (const c of VALUE_CASES) {
    it(`${label(c.value)}: ${c.why}`, () => {
      assert.equal(isStoredMetricValue(c.value), c.stored, 'stored');
      assert.equal(
        Object.is(parseMetricNumber(c.value), c.number),
        true,
        `number ${parseMetricNumber(c.value)}`,
      );
      assert.equal(isReportedMetricValue(c.value), c.sent, 'sent');
      assert.equal(c.sent, c.stored && c.number !== undefined, 'the table: sent = stored and counted');
    });
  }
});

describe('a metric name (test/cases/metric-names.json)', () => {
  for (const c of NAME_CASES) {
    it(`${label(c.name)}: ${c.why}`, () => {
      const problem = metricNameProblem(c.name);
      if (c.ok) assert.equal(problem, undefined);
      else assert.ok(problem?.includes(c.problem!), String(problem));
    });
  }
  it('takes a lower configured cap', () => {
    assert.equal(metricNameProblem('abcd', 3), 'must be at most 3 characters (has 4)');
    assert.equal(metricNameProblem('abc', 3), undefined);
  });
});

describe('the retry policy (test/cases/retry.json)', () => {
  for (const c of RETRY_CASES) {
    if (c.answer.drop) continue;
    it(`${JSON.stringify(c.answer)}: ${c.why}`, () => {
      const code = c.answer.code ?? codeOfHttpStatus(c.answer.http!);
      assert.equal(isRetriedCode(code), c.retried);
    });
  }
  it('backs off from 50 ms doubling to 1 s, each wait in [50%, 100%] of the step', () => {
    const steps = [50];
    while (steps.length < 7) steps.push(nextRetryStep(steps.at(-1)!));
    assert.deepEqual(steps, [50, 100, 200, 400, 800, 1000, 1000]);
    assert.equal(
      retryWait(400, () => 0),
      200,
    );
    assert.equal(retryWait(400, () => 0.999_999) < 400, true);
  });
});
