import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricLog } from '../../src/api/observation.js';
import { createJsonParser, createTextParser, ParseProblems } from '../../src/collector/index.js';
import { label, VALUE_CASES } from '../cases/cases.js';

// The pull collector records a value exactly when a push client would send it
// (test/cases/metric-values.json's `sent`), so Push and StdOut/File agree.
function values(parser: ReturnType<typeof createTextParser>, line: string): string[] {
  const out: MetricLog[] = [];
  parser.parse(line, 1, out, new ParseProblems());
  return out.map((l) => l.value);
}

describe('the collector against test/cases/metric-values.json', () => {
  // A filter that captures the value whole, spaces included, so each case reaches the check.
  const text = createTextParser(['loss'], ['([\\w|-]+)=<([^>]*)>']);
  const json = createJsonParser(['loss']);
  for (const c of VALUE_CASES) {
    it(`${label(c.value)}: ${c.why}`, () => {
      // TEXT trims what the filter captured (as Katib's `\s*` around the value would).
      const trimmed = c.value.trim();
      const want = trimmed === c.value ? c.sent : VALUE_CASES.find((o) => o.value === trimmed)!.sent;
      assert.deepEqual(values(text, `loss=<${c.value}>`), want ? [trimmed] : [], 'TEXT');
      assert.deepEqual(values(json, JSON.stringify({ loss: c.value })), c.sent ? [c.value] : [], 'JSON');
    });
  }
});
