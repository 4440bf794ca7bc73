import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CaptureServer, startCaptureServer } from '../cases/capture-server.js';
import { label, NAME_CASES, RETRY_CASES, VALUE_CASES } from '../cases/cases.js';
import { runPythonClient } from '../cases/run-python.js';

// python/katib_push.py, run by python3 over the shared tables: it cannot import src/api/, so
// these tables are what holds it to the same value, name and retry rules.
describe('python/katib_push.py against test/cases', () => {
  let server: CaptureServer;
  before(async () => {
    server = await startCaptureServer();
  });
  after(() => server?.close());

  it('sends a value string exactly when metric-values.json says sent, as given', async () => {
    const got = await runPythonClient('katib_push', 'values');
    VALUE_CASES.forEach((c, i) => {
      assert.equal(got[i], c.sent ? c.value : null, `${label(c.value)}: ${c.why}`);
    });
  });

  it('accepts a metric name exactly when metric-names.json says ok, naming the rule', async () => {
    const got = await runPythonClient('katib_push', 'names');
    NAME_CASES.forEach((c, i) => {
      const what = `${label(c.name)}: ${c.why}`;
      if (c.ok) assert.equal(got[i], null, what);
      else assert.ok(String(got[i]).includes(c.problem!), `${what}: ${got[i]}`);
    });
  });

  it('retries exactly what retry.json says', async () => {
    const got = await runPythonClient('katib_push', 'retry', server.url);
    RETRY_CASES.forEach((c, i) => {
      const what = `${JSON.stringify(c.answer)}: ${c.why}`;
      assert.equal(got[i] === 'ok', c.retried, `${what}: ${got[i]}`);
      assert.equal(server.attempts(`retry-${i}`), c.retried ? 2 : 1, what);
    });
  });
});
