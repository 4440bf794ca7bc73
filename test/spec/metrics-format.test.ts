import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileMetricsFormat, DEFAULT_METRICS_FORMAT } from '../../src/spec/index.js';

function matches(format: string, line: string): [string, string][] {
  const compiled = compileMetricsFormat(format);
  assert.ok(compiled.ok, compiled.ok ? '' : compiled.error);
  return [...line.matchAll(compiled.regex)].map((m) => [m[1]!, m[2]!]);
}

describe('compileMetricsFormat', () => {
  it("Katib's default TEXT filter: every name=value on a line", () => {
    assert.deepEqual(matches(DEFAULT_METRICS_FORMAT, 'epoch 1: loss=0.25 accuracy = 0.9 f1-score=1e-3'), [
      ['loss', '0.25'],
      ['accuracy', '0.9'],
      ['f1-score', '1e-3'],
    ]);
    const compiled = compileMetricsFormat(DEFAULT_METRICS_FORMAT);
    assert.ok(compiled.ok && compiled.groups === 4);
  });

  it("Katib's File collector example, braces and all", () => {
    const format = '{metricName: ([\\w|-]+), metricValue: ((-?\\d+)(\\.\\d+)?)}';
    assert.deepEqual(matches(format, '{metricName: loss, metricValue: 0.1234}'), [['loss', '0.1234']]);
  });

  it('Go named groups and leading flags are translated', () => {
    assert.deepEqual(matches('(?P<name>\\w+):\\s*(?P<value>[\\d.]+)', 'acc: 0.5'), [['acc', '0.5']]);
    assert.deepEqual(matches('(?i)(ACC)=(\\d)', 'acc=1'), [['acc', '1']]);
  });

  it('refuses fewer than two groups, bad syntax and unsupported flags, saying why', () => {
    assert.deepEqual(compileMetricsFormat('acc=(\\d+)'), {
      ok: false,
      error: 'has 1 capture group, needs 2: metric name, then value',
    });
    const bad = compileMetricsFormat('(a');
    assert.ok(!bad.ok && /Invalid regular expression/.test(bad.error));
    assert.deepEqual(compileMetricsFormat('(?U)(a)(b)'), {
      ok: false,
      error: 'the flag (?U) is not supported',
    });
  });
});
