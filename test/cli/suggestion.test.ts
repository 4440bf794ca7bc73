import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { TrialStatus_TrialConditionType as Condition } from '../../src/gen/api/v1/beta1/api_pb.js';
import { HealthCheckResponse_ServingStatus } from '../../src/gen/grpc/health/v1/health_pb.js';
import { ServiceClients } from '../services/clients.js';
import { katibExperiment, katibTrial } from '../services/katib-request.js';
import { CliProcess, runCli } from './spawn-cli.js';

describe('katib suggestion', () => {
  it('logs one ready line, serves GetSuggestions, and exits 0 on SIGTERM', async () => {
    const cli = new CliProcess(['suggestion', '--algorithm', 'tpe', '--listen', '127.0.0.1:0']);
    const ready = await cli.waitForLog('suggestion service ready');
    assert.equal(ready.algorithm, 'tpe');
    assert.match(String(ready.address), /^127\.0\.0\.1:\d+$/);

    const client = new ServiceClients(String(ready.address));
    const reply = await client.getSuggestions({
      experiment: katibExperiment('tpe'),
      trials: [
        katibTrial(
          'a',
          { lr: '0.01', 'num-layers': '2', optimizer: 'sgd', momentum: '0.9' },
          Condition.SUCCEEDED,
          '0.8',
        ),
      ],
      currentRequestNumber: 2,
    });
    assert.equal(reply.parameterAssignments.length, 2);
    client.close();

    cli.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.ok(
      cli.logLines().some((l) => l.msg === 'suggestion service stopped'),
      cli.stdout,
    );
    assert.equal(cli.stderr, '');
  });

  it('takes KATIB_SUGGESTION_ALGORITHM and KATIB_SUGGESTION_LISTEN, and stops on SIGINT', async () => {
    const cli = new CliProcess(['suggestion'], {
      KATIB_SUGGESTION_ALGORITHM: 'random',
      KATIB_SUGGESTION_LISTEN: '127.0.0.1:0',
    });
    const ready = await cli.waitForLog('suggestion service ready');
    assert.equal(ready.algorithm, 'random');
    const client = new ServiceClients(String(ready.address));
    assert.equal(
      (await client.check('manager.v1beta1.Suggestion')).status,
      HealthCheckResponse_ServingStatus.SERVING,
    );
    client.close();
    cli.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
  });

  it('exits 2 on an unknown algorithm, listing the known ones in one line', async () => {
    const { code, stderr, stdout } = await runCli(['suggestion', '--algorithm', 'enas']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(
      stderr,
      /^katib suggestion: --algorithm: "enas" is not a known algorithm \(known: .*grid, hyperband.*, tpe\)\n$/,
    );
  });

  it('exits 2 without an algorithm, and on a bad --listen naming it', async () => {
    const missing = await runCli(['suggestion']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--algorithm: "" is required \(known: /);
    const env = await runCli(['suggestion', '--listen', '127.0.0.1:0'], {
      KATIB_SUGGESTION_ALGORITHM: 'nope',
    });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /KATIB_SUGGESTION_ALGORITHM: "nope" is not a known algorithm/);
    const listen = await runCli(['suggestion', '--algorithm', 'grid', '--listen', 'localhost']);
    assert.equal(listen.code, 2);
    assert.match(listen.stderr, /--listen: "localhost" must be HOST:PORT/);
  });

  it('exits 1 when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { code, stderr } = await runCli([
        'suggestion',
        '--algorithm',
        'grid',
        '--listen',
        `127.0.0.1:${port}`,
      ]);
      assert.equal(code, 1);
      assert.match(stderr, /cannot listen for gRPC on 127\.0\.0\.1:\d+/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('katib earlystopping', () => {
  it('logs one ready line, serves, and exits 0 on SIGTERM', async () => {
    const cli = new CliProcess(['earlystopping', '--listen', '127.0.0.1:0']);
    const ready = await cli.waitForLog('early stopping service ready');
    assert.match(String(ready.address), /^127\.0\.0\.1:\d+$/);
    const client = new ServiceClients(String(ready.address));
    await client.validateEarlyStoppingSettings({
      earlyStopping: { algorithmName: 'medianstop', algorithmSettings: [{ name: 'start_step', value: '3' }] },
    });
    await client.setTrialStatus({ trialName: 'some-trial' });
    client.close();
    cli.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.ok(
      cli.logLines().some((l) => l.msg === 'SetTrialStatus: trial reported early stopped by its collector'),
    );
    assert.equal(cli.stderr, '');
  });

  it('takes KATIB_EARLY_STOPPING_LISTEN; exits 2 on a bad one naming it', async () => {
    const cli = new CliProcess(['earlystopping'], { KATIB_EARLY_STOPPING_LISTEN: '127.0.0.1:0' });
    await cli.waitForLog('early stopping service ready');
    cli.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
    const bad = await runCli(['earlystopping'], { KATIB_EARLY_STOPPING_LISTEN: '127.0.0.1:99999' });
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^katib earlystopping: KATIB_EARLY_STOPPING_LISTEN: "127\.0\.0\.1:99999" must be HOST:PORT/,
    );
  });
});
