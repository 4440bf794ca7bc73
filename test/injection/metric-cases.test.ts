import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { nodeShimSource } from '../../src/injection/javascript/node-shim.js';
import { katibPushClient } from '../../src/injection/javascript/push-client.js';
import { type CaptureServer, startCaptureServer } from '../cases/capture-server.js';
import { label, NAME_CASES, RETRY_CASES, VALUE_CASES } from '../cases/cases.js';
import { runPythonClient } from '../cases/run-python.js';

// The clients code injection adds to trials (JavaScript push client and Node shim, Python push
// client) cannot import src/api/: these shared tables hold them to its value, name and retry
// rules. Printed values are trimmed first (as the metrics filter's \s* would), so a case with
// surrounding white space expects what its trimmed text expects.
const sentTrimmed = VALUE_CASES.map((c) => {
  const trimmed = c.value.trim();
  const sent = trimmed === c.value ? c.sent : VALUE_CASES.find((o) => o.value === trimmed)!.sent;
  return { ...c, trimmed, sentTrimmed: sent };
});

/** Runs `script` in a Node child with the injected client as `push`; resolves its exit code. */
function runJs(
  script: string,
  env: Record<string, string>,
  input = '',
  nodeArgs: string[] = [],
): Promise<number> {
  const source = `const __name = (t) => t; const push = (${String(katibPushClient)})();\n${script}`;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [...nodeArgs, '-e', source],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0),
    );
    child.stdin!.end(input);
  });
}

describe('injected clients against test/cases', () => {
  let server: CaptureServer;
  let dir: string;
  before(async () => {
    server = await startCaptureServer();
    dir = await mkdtemp(join(tmpdir(), 'katib-cases-'));
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const env = (trial: string) => ({
    KATIB_TRIAL_NAME: trial,
    KATIB_DB_MANAGER_HTTP_ADDRESS: server.address,
    KATIB_PUSH_TIMEOUT: '10',
  });
  const readStdin = "JSON.parse(require('node:fs').readFileSync(0, 'utf8'))";

  it('JavaScript push client: pushes a value exactly when metric-values.json says sent', async () => {
    const values = VALUE_CASES.map((c) => c.value);
    const code = await runJs(
      `for (const v of ${readStdin}) push.report('loss', v);`,
      env('js-values'),
      JSON.stringify(values),
    );
    assert.equal(code, 0);
    const want = sentTrimmed.filter((c) => c.sentTrimmed).map((c) => c.trimmed);
    assert.deepEqual(
      server.pushed('js-values').map(([, v]) => v),
      want,
    );
  });

  it('JavaScript push client: pushes a name exactly when metric-names.json says ok', async () => {
    const names = NAME_CASES.map((c) => c.name);
    const code = await runJs(
      `for (const n of ${readStdin}) push.report(n, 1);`,
      env('js-names'),
      JSON.stringify(names),
    );
    assert.equal(code, 0);
    assert.deepEqual(
      server.pushed('js-names').map(([n]) => label(n)),
      NAME_CASES.filter((c) => c.ok).map((c) => label(c.name)),
    );
    assert.deepEqual(
      server.pushed('js-names').map(([n]) => n),
      NAME_CASES.filter((c) => c.ok).map((c) => c.name),
    );
  });

  it('Node shim: pushes a printed value exactly when metric-values.json says sent', async () => {
    const shim = join(dir, 'shim.mjs');
    await writeFile(shim, nodeShimSource());
    // One line per case; a value holding a line break cannot be printed on one line.
    const printable = sentTrimmed.filter((c) => !c.value.includes('\n') && !c.value.includes('>'));
    const code = await new Promise<number>((resolve) => {
      const child = execFile(
        process.execPath,
        [
          '--import',
          pathToFileURL(shim).href,
          '-e',
          `for (const v of ${readStdin}) console.log('loss=<' + v + '>');`,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            ...env('shim-values'),
            KATIB_METRIC_NAMES: 'loss',
            KATIB_METRICS_FORMAT: JSON.stringify(['([\\w|-]+)=<([^>]*)>']),
          },
        },
        (err) => resolve(err ? 1 : 0),
      );
      child.stdin!.end(JSON.stringify(printable.map((c) => c.value)));
    });
    assert.equal(code, 0);
    assert.deepEqual(
      server.pushed('shim-values').map(([, v]) => v),
      printable.filter((c) => c.sentTrimmed).map((c) => c.trimmed),
    );
  });

  it('JavaScript push client: retries exactly what retry.json says', async () => {
    for (const [i, c] of RETRY_CASES.entries()) {
      const what = `${JSON.stringify(c.answer)}: ${c.why}`;
      const code = await runJs("push.report('loss', 1);", env(`retry-${i}`));
      assert.equal(code === 0, c.retried, `${what}: exit ${code}`);
      assert.equal(server.attempts(`retry-${i}`), c.retried ? 2 : 1, what);
    }
  });

  it('Python push client: pushes a value exactly when metric-values.json says sent', async () => {
    const got = await runPythonClient('inject', 'values');
    sentTrimmed.forEach((c, i) => {
      assert.equal(got[i], c.sentTrimmed ? c.trimmed : null, `${label(c.value)}: ${c.why}`);
    });
  });

  it('Python push client: pushes a name exactly when metric-names.json says ok', async () => {
    const got = await runPythonClient('inject', 'names');
    NAME_CASES.forEach((c, i) => {
      assert.equal(got[i], c.ok, `${label(c.name)}: ${c.why}`);
    });
  });

  it('Python push client: retries exactly what retry.json says', async () => {
    const py = await startCaptureServer();
    try {
      const got = await runPythonClient('inject', 'retry', py.url);
      RETRY_CASES.forEach((c, i) => {
        const what = `${JSON.stringify(c.answer)}: ${c.why}`;
        assert.equal(got[i] === 'ok', c.retried, `${what}: ${got[i]}`);
        assert.equal(py.attempts(`retry-${i}`), c.retried ? 2 : 1, what);
      });
    } finally {
      await py.close();
    }
  });
});
