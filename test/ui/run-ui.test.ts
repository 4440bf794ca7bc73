/** `katib run --ui`: the dashboard on the embedded DB manager, live while it runs, up until Ctrl-C. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExperimentDetail, ExperimentSummary, TrialLogsReply } from '../../src/ui/index.js';
import { CliProcess, runCli } from '../cli/spawn-cli.js';
import { discrete, experimentYaml, trialParameter, type WaitOptions, waitFor } from '../support/fixtures.js';
import { buildDashboard } from './build.js';

const EXPERIMENT = experimentYaml({
  name: 'ui-run',
  algorithm: 'grid',
  maxTrialCount: 2,
  parameters: [discrete('x', ['0.5', '0.25'])],
  command: ['sh', '-c', `echo "epoch 1 loss=1"; sleep 0.3; echo "epoch 2 loss=${trialParameter('x')}"`],
});

/** Waits of up to 20 s that give up as soon as `katib` exits, showing what it printed. */
function whileRunning(cli: CliProcess): WaitOptions {
  return {
    timeoutMs: 20_000,
    failIf: () => cli.child.exitCode !== null,
    context: () => `stderr: ${cli.stderr}\nstdout: ${cli.stdout}`,
  };
}

describe('katib run --ui', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'katib-run-ui-'));
  const file = path.join(dir, 'experiment.yaml');
  before(async () => {
    writeFileSync(file, EXPERIMENT);
    await buildDashboard();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the URL, serves the live experiment, keeps serving after the end until Ctrl-C', async () => {
    const cli = new CliProcess(['run', file, '--db', `sqlite:${dir}/katib.db`, '--work-dir', dir, '--ui']);
    try {
      const url = await waitFor(
        'dashboard URL',
        () => /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(cli.stderr)?.[1],
        whileRunning(cli),
      );
      const rows = (await (await fetch(`${url}api/experiments`)).json()) as ExperimentSummary[];
      assert.deepEqual(
        rows.map((r) => r.name),
        ['ui-run'],
      );
      await waitFor(
        'the end',
        () =>
          /experiment ui-run ended; the dashboard stays up until Ctrl-C/.test(cli.stderr) ? true : undefined,
        whileRunning(cli),
      );
      assert.match(cli.stdout, /ui-run/, 'the final report comes before the wait');
      const page = await fetch(`${url}experiments/ui-run`);
      assert.equal(page.status, 200);
      const detail = (await (await fetch(`${url}api/experiments/ui-run`)).json()) as ExperimentDetail;
      assert.equal(detail.summary.state, 'Succeeded');
      assert.deepEqual(detail.trials.map((t) => t.objective).sort(), [0.25, 0.5]);
      const logs = (await (
        await fetch(`${url}api/trials/${detail.trials[0]!.name}/logs`)
      ).json()) as TrialLogsReply;
      assert.match(logs.stdout.text ?? '', /epoch 2 loss=/);
      cli.kill('SIGINT');
      const { code } = await cli.exited;
      assert.equal(code, 0, 'the experiment Succeeded: exit 0, not 130');
      assert.match(cli.stderr, /stopping the dashboard/);
      await assert.rejects(fetch(url), 'the port is closed');
    } finally {
      cli.kill('SIGKILL');
    }
  });

  it('rejects a bad --ui address with exit 2 naming the flag', async () => {
    const { code, stderr } = await runCli(['run', file, '--db', `sqlite:${dir}/other.db`, '--ui', 'nowhere']);
    assert.equal(code, 2);
    assert.match(stderr, /--ui: "nowhere"/);
  });
});
