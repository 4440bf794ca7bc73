import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import {
  DEFAULT_DB_MANAGER_ADDRESS,
  InvalidMetricError,
  MissingTrialNameError,
  ReportMetricsError,
} from '../../src/sdk/report/index.js';
import { metricEntries } from '../../src/sdk/report/metric-values.js';
import { authorityOf, resolveTarget } from '../../src/sdk/report/options.js';

describe('trial, address and timeout resolution', () => {
  it('takes options first, then the env, then Katib defaults', () => {
    const env = { KATIB_TRIAL_NAME: 'from-env', KATIB_DB_MANAGER_ADDRESS: '10.0.0.7:7000' };
    assert.deepEqual(resolveTarget({ trialName: 'opt', dbManagerAddress: 'h:1', timeout: 2 }, env), {
      trialName: 'opt',
      address: 'h:1',
      authority: 'http://h:1',
      timeoutMs: 2000,
    });
    assert.deepEqual(resolveTarget({}, env), {
      trialName: 'from-env',
      address: '10.0.0.7:7000',
      authority: 'http://10.0.0.7:7000',
      timeoutMs: 120_000,
    });
    const defaults = resolveTarget({}, { KATIB_TRIAL_NAME: 't' });
    assert.equal(defaults.address, DEFAULT_DB_MANAGER_ADDRESS);
    assert.equal(defaults.authority, 'http://katib-db-manager.kubeflow:6789');
  });

  it('throws MissingTrialNameError without a trial name', () => {
    for (const env of [{}, { KATIB_TRIAL_NAME: '' }]) {
      const err = catchSync(() => resolveTarget({}, env));
      assert.ok(
        err instanceof MissingTrialNameError &&
          err instanceof ReportMetricsError &&
          err instanceof KatibError,
      );
      assert.equal(err.code, 'failed_precondition');
      assert.match(err.message, /KATIB_TRIAL_NAME/);
    }
  });

  it('parses the address forms gRPC users write', () => {
    assert.equal(authorityOf('127.0.0.1:6789'), 'http://127.0.0.1:6789');
    assert.equal(authorityOf('[::1]:6789'), 'http://[::1]:6789');
    assert.equal(authorityOf('db-manager'), 'http://db-manager:6789');
    assert.equal(
      authorityOf('dns:///katib-db-manager.kubeflow:6789'),
      'http://katib-db-manager.kubeflow:6789',
    );
    assert.equal(authorityOf('http://localhost:1234/'), 'http://localhost:1234');
    assert.equal(authorityOf('https://localhost:1234'), 'https://localhost:1234');
    for (const bad of ['', 'ftp://h:1', 'h:0', 'h:70000', 'a b:1', 'h:port']) {
      const err = catchSync(() => authorityOf(bad));
      assert.ok(err instanceof InvalidMetricError, bad);
      assert.equal(err.field, 'options.dbManagerAddress');
    }
  });

  it('rejects bad options naming the option and the value', () => {
    for (const timeout of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = catchSync(() => resolveTarget({ trialName: 't', timeout }, {}));
      assert.ok(err instanceof InvalidMetricError);
      assert.equal(err.field, 'options.timeout');
    }
    const long = catchSync(() => resolveTarget({ trialName: 'x'.repeat(256) }, {}));
    assert.equal((long as KatibError).field, 'options.trialName');
    assert.doesNotThrow(() => resolveTarget({ trialName: '😀'.repeat(255) }, {}), '255 code points fit');
  });
});

describe('metric values', () => {
  it('sends numbers as String(v) and numeric strings as given', () => {
    assert.deepEqual(metricEntries({ a: 0.93, b: 5, c: -1e-7, d: '1.50', e: '+3e10', f: '.5' }), [
      ['a', '0.93'],
      ['b', '5'],
      ['c', '-1e-7'],
      ['d', '1.50'],
      ['e', '+3e10'],
      ['f', '.5'],
    ]);
    assert.deepEqual(metricEntries({ inf: Number.POSITIVE_INFINITY, ninf: '-inf' }), [
      ['inf', 'Infinity'],
      ['ninf', '-inf'],
    ]);
    assert.deepEqual(metricEntries({}), []);
  });

  it('rejects a bad value naming the metric and the value', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ loss: Number.NaN }, 'metrics.loss', /NaN/],
      [{ loss: '1e999' }, 'metrics.loss', /"1e999"/],
      [{ acc: 'high' }, 'metrics.acc', /"high"/],
      [{ acc: 'nan' }, 'metrics.acc', /"nan"/],
      [{ acc: ' 1' }, 'metrics.acc', /" 1"/],
      [{ acc: '' }, 'metrics.acc', /""/],
      [{ acc: null }, 'metrics.acc', /null/],
      [{ acc: true }, 'metrics.acc', /true/],
      [{ ok: 1, acc: {} }, 'metrics.acc', /\{\}/],
      [{ '': 1 }, 'metrics', /metric name that must not be empty/],
      [{ ['m'.repeat(256)]: 1 }, 'metrics', /at most 255/],
      [{ 'a\u0000b': 1 }, 'metrics', /NUL/],
    ];
    for (const [metrics, field, shows] of cases) {
      const err = catchSync(() => metricEntries(metrics as Record<string, number>));
      assert.ok(err instanceof InvalidMetricError, JSON.stringify(metrics));
      assert.equal(err.code, 'invalid_argument');
      assert.equal(err.field, field);
      assert.match(err.message, shows);
    }
    assert.ok(catchSync(() => metricEntries(null as never)) instanceof InvalidMetricError);
  });
});

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected a throw');
}
