/** `katib run --ui`: the dashboard on the embedded DB manager, live while it runs, up until Ctrl-C. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExperimentDetail, ExperimentSummary, TrialLogsReply } from '../../src/ui/index.js';
import { CliProcess, runCli } from '../cli/spawn-cli.js';
import { buildDashboard } from './build.js';

const EXPERIMENT = `
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: ui-run
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: grid}
  parallelTrialCount: 1
  maxTrialCount: 2
  parameters:
    - {name: x, parameterType: discrete, feasibleSpace: {list: ["0.5", "0.25"]}}
  trialTemplate:
    primaryContainerName: training
    trialParameters: [{name: x, reference: x}]
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: training
                command: [sh, -c, 'echo "epoch 1 loss=1"; sleep 0.3; echo "epoch 2 loss=\${trialParameters.x}"']
            restartPolicy: Never
`;

async function until<T>(what: string, probe: () => T | undefined, cli: CliProcess, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline || cli.child.exitCode !== null)
      throw new Error(`${what} did not happen; stderr: ${cli.stderr}\nstdout: ${cli.stdout}`);
    await new Promise((r) => setTimeout(r, 25));
  }
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
      const url = await until(
        'dashboard URL',
        () => /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(cli.stderr)?.[1],
        cli,
      );
      const rows = (await (await fetch(`${url}api/experiments`)).json()) as ExperimentSummary[];
      assert.deepEqual(
        rows.map((r) => r.name),
        ['ui-run'],
      );
      await until(
        'the end',
        () =>
          /experiment ui-run ended; the dashboard stays up until Ctrl-C/.test(cli.stderr) ? true : undefined,
        cli,
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
