import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { KatibClient } from '../../src/sdk/index.js';
import { commandExperiment, tempDir } from '../sdk/support.js';
import { type ServerProcess, startServer } from '../server/server-process.js';
import { runCli } from './spawn-cli.js';

describe('katib server with katib create / get / delete', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: ServerProcess;
  let file: string;
  before(async () => {
    tmp = tempDir('katib-cli-server-');
    server = await startServer(`sqlite:${join(tmp.dir, 'cli.db')}`, join(tmp.dir, 'work'));
    file = join(tmp.dir, 'experiment.yaml');
    writeFileSync(file, stringify(commandExperiment('from-cli', { maxTrialCount: 2 })));
  });
  after(async () => {
    if (server.cli.child.exitCode === null) await server.stop();
    tmp.remove();
  });

  it('creates from a file, lists, shows an experiment and its trials, as text and as JSON', async () => {
    const created = await runCli(['create', '-f', file, '--server', server.address]);
    assert.deepEqual(created, { code: 0, stdout: 'experiment from-cli created\n', stderr: '' });
    const client = new KatibClient({ address: server.address });
    try {
      await client.waitForExperimentCondition('from-cli', { timeout: 60, pollingInterval: 0.2 });
    } finally {
      await client.close();
    }
    // KATIB_SERVER stands in for --server.
    const env = { KATIB_SERVER: server.address };
    const list = await runCli(['get', 'experiments'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+STATUS\s+REASON\s+DONE\s+RUNNING\s+BEST\s+CREATED\n/);
    assert.match(list.stdout, /\nfrom-cli\s+Succeeded\s+ExperimentMaxTrialsReached\s+2\/2\s+0\s+loss=0\.\d/);

    const one = await runCli(['get', 'experiment', 'from-cli'], env);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^Experiment from-cli: Succeeded \(ExperimentMaxTrialsReached\)/);
    assert.match(one.stdout, /Best trial: from-cli-\w+\n {2}x = \d\n/);

    const trials = await runCli(['get', 'trials', 'from-cli', '-o', 'json'], env);
    assert.equal(trials.code, 0, trials.stderr);
    const parsed = JSON.parse(trials.stdout) as { name: string; experimentName: string }[];
    assert.equal(parsed.length, 2);
    assert.ok(parsed.every((t) => t.experimentName === 'from-cli'));

    const text = await runCli(['get', 'trials', 'from-cli'], env);
    assert.match(text.stdout, /^TRIAL\s+STATUS\s+loss\s+x\n(from-cli-\w+\s+Succeeded\s+0\.\d+\s+\d\n){2}$/);
  });

  it('deletes, and exits 1 naming what is missing', async () => {
    const deleted = await runCli(['delete', 'from-cli', '--server', server.address, '-o', 'json']);
    assert.deepEqual(deleted, { code: 0, stdout: '{"name":"from-cli","deleted":true}\n', stderr: '' });
    const gone = await runCli(['get', 'experiment', 'from-cli', '--server', server.address]);
    assert.deepEqual(gone, {
      code: 1,
      stdout: '',
      stderr: 'katib get: experiment "from-cli" does not exist\n',
    });
  });

  it('exits 2 for bad usage and invalid files, 1 when no server answers', async () => {
    const what = await runCli(['get', 'pods', '--server', server.address]);
    assert.equal(what.code, 2);
    assert.match(what.stderr, /get: "pods" must be one of experiments, experiment, trials/);
    const address = await runCli(['get', 'experiments', '--server', 'nowhere']);
    assert.equal(address.code, 2);
    assert.match(address.stderr, /--server: "nowhere" must be HOST:PORT/);
    const invalid = join(tmp.dir, 'invalid.yaml');
    writeFileSync(invalid, stringify({ ...commandExperiment('invalid', { maxTrialCount: 1 }), kind: 'Job' }));
    const bad = await runCli(['create', '-f', invalid, '--server', server.address]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /kind: "Job" must be "Experiment"/);
    await server.stop();
    const down = await runCli(['get', 'experiments', '--server', server.address]);
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      new RegExp(`katib get: katib server at ${server.address.replace(/\./g, '\\.')}: `),
    );
  });
});
