/**
 * The Kubernetes runner through the real @kubernetes/client-node against the stand-in API server
 * (test/support/fake-kube-apiserver.ts), whose kubelet runs each container's command as a real
 * local process: Jobs that succeed, fail, time out, are killed, retained, replaced; watches and
 * log streams cut and compacted under the runner.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONFIG_MAPS, FakeKubeApiServer, JOBS, type Obj, PODS } from '../../support/fake-kube-apiserver.js';
import { until } from '../../support/fixtures.js';
import { shJob, standInRunner, trialSpec } from './support.js';

const server = new FakeKubeApiServer();
before(() => server.start());
after(() => server.close());

const jobOf = (namespace: string, name: string) => server.store.get(JOBS, namespace, name);
const podsOf = (namespace: string, trial: string) =>
  server.store.list(PODS, namespace, (p) => p.metadata.labels?.['katib.kubeflow.org/trial'] === trial);
const createdJob = (name: string): Obj => {
  const event = server.store.events.findLast(
    (e) => e.resource === JOBS && e.type === 'ADDED' && e.object.metadata.name === name,
  );
  return event?.object ?? {};
};

describe('Kubernetes runner: a Job that runs to its end', () => {
  it('succeeds: lines in order, labels, owner, env, pod annotations, stdout.log; the Job is deleted after', async () => {
    const { runner } = standInRunner(server);
    const spec = trialSpec(
      'ok',
      shJob('echo "trial=$KATIB_TRIAL_NAME"; echo loss=0.5; echo "db=$KATIB_DB_MANAGER_ADDRESS" >&2'),
      {
        podAnnotations: { 'katib-ts.kubeflow.org/metric-names': 'loss' },
      },
    );
    const trial = runner.start(spec);
    const lines: string[] = [];
    trial.onLine((line, stream) => lines.push(`${stream}:${line}`));
    const exit = await trial.wait();
    assert.deepEqual(exit, { exitCode: 0, signal: null });
    assert.deepEqual(lines, [`stdout:trial=${spec.trialName}`, 'stdout:loss=0.5', 'stdout:db=127.0.0.1:1']);
    assert.equal(trial.logsTail(), `trial=${spec.trialName}\nloss=0.5\ndb=127.0.0.1:1\n`);
    assert.equal(readFileSync(join(spec.logDir!, 'stdout.log'), 'utf8'), trial.logsTail());

    const job = createdJob(spec.trialName);
    const owner = server.store.get(CONFIG_MAPS, 'ok', 'katib-experiment-exp');
    assert.ok(owner, 'the experiment owner ConfigMap exists');
    assert.deepEqual(job.metadata.labels, {
      'katib.kubeflow.org/experiment': 'exp',
      'katib.kubeflow.org/trial': spec.trialName,
    });
    assert.deepEqual(job.metadata.ownerReferences, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'katib-experiment-exp',
        uid: owner.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(job.spec.template.metadata.labels['katib.kubeflow.org/trial'], spec.trialName);
    assert.equal(job.spec.template.metadata.annotations['katib-ts.kubeflow.org/metric-names'], 'loss');
    assert.deepEqual(job.spec.template.spec.containers[0].env.slice(0, 1), [
      { name: 'KATIB_TRIAL_NAME', value: spec.trialName },
    ]);
    assert.equal(jobOf('ok', spec.trialName), undefined, 'not retained: deleted');
    await until('the pods garbage collected', () => podsOf('ok', spec.trialName).length === 0, 5000);
    assert.ok(
      server.requests.includes(
        `DELETE /apis/batch/v1/namespaces/ok/jobs/${spec.trialName}?propagationPolicy=Background`,
      ),
    );
  });

  it("fails: the last pod's exit code, Kubernetes' reason, the logs of every attempt", async () => {
    const { runner } = standInRunner(server);
    const spec = trialSpec('fail', shJob('echo attempt; exit 3', { backoffLimit: 1 }));
    const trial = runner.start(spec);
    const lines: string[] = [];
    trial.onLine((line) => lines.push(line));
    const exit = await trial.wait();
    assert.equal(exit.exitCode, 3);
    assert.equal(exit.killedBy, undefined);
    assert.match(exit.detail ?? '', /^BackoffLimitExceeded: Job has reached the specified backoff limit$/);
    assert.deepEqual(lines, ['attempt', 'attempt']);
  });

  it("times out at the Job's activeDeadlineSeconds (the trial's timeout): killedBy timeout", async () => {
    const { runner } = standInRunner(server);
    const spec = trialSpec('deadline', shJob('echo started; sleep 30'), {}, { timeoutSeconds: 1 });
    const started = Date.now();
    const exit = await runner.start(spec).wait();
    assert.equal(exit.killedBy, 'timeout');
    assert.match(exit.detail ?? '', /DeadlineExceeded/);
    assert.ok(Date.now() - started < 8000);
    assert.equal(createdJob(spec.trialName).spec.activeDeadlineSeconds, 1);
    assert.equal(jobOf('deadline', spec.trialName), undefined);
  });

  it('a resource the API refuses, or that cannot name its primary container, is a startError', async () => {
    const { runner } = standInRunner(server);
    const unknown = await runner
      .start(trialSpec('bad', { apiVersion: 'example.com/v1', kind: 'Nope', spec: {} }))
      .wait();
    assert.match(
      unknown.startError ?? '',
      /Kubernetes refused to create Nope bad\/exp-.*: the server could not find the requested resource \(is the kind example.com\/v1 Nope installed\?\)/,
    );
    const twoContainers = shJob('true');
    twoContainers.spec.template.spec.containers.push({ name: 'side', image: 'x', command: ['true'] });
    const ambiguous = await runner
      .start(trialSpec('bad', twoContainers, { primaryContainerName: undefined }))
      .wait();
    assert.match(ambiguous.startError ?? '', /several containers: name the primary one/);
    const badCondition = await runner
      .start(trialSpec('bad', shJob('true'), { successCondition: 'status.#(' }))
      .wait();
    assert.match(badCondition.startError ?? '', /trialTemplate\.successCondition/);
  });
});

describe('Kubernetes runner: ending a trial', () => {
  it('kill() deletes the Job with its pods (Foreground) and resolves once they are gone', async () => {
    const { runner } = standInRunner(server);
    const spec = trialSpec('kill', shJob('echo ready; sleep 30'));
    const trial = runner.start(spec);
    trial.onLine((line) => {
      if (line === 'ready') void trial.kill();
    });
    const exit = await trial.wait();
    assert.deepEqual(exit, { exitCode: null, signal: 'SIGTERM', killedBy: 'kill' });
    assert.equal(jobOf('kill', spec.trialName), undefined);
    assert.deepEqual(podsOf('kill', spec.trialName), []);
    assert.ok(
      server.requests.includes(
        `DELETE /apis/batch/v1/namespaces/kill/jobs/${spec.trialName}?propagationPolicy=Foreground`,
      ),
    );
  });

  it('an aborted start signal kills; killed before the Job exists, nothing is created', async () => {
    const { runner } = standInRunner(server);
    const abort = new AbortController();
    const spec = trialSpec('abort', shJob('echo ready; sleep 30'));
    const trial = runner.start(spec, { signal: abort.signal });
    trial.onLine(() => abort.abort());
    assert.equal((await trial.wait()).killedBy, 'kill');
    assert.equal(jobOf('abort', spec.trialName), undefined);
    const early = trialSpec('abort', shJob('sleep 30'));
    const aborted = new AbortController();
    aborted.abort();
    assert.deepEqual(await runner.start(early, { signal: aborted.signal }).wait(), {
      exitCode: null,
      signal: null,
      killedBy: 'kill',
    });
    assert.equal(createdJob(early.trialName).metadata, undefined, 'never created');
  });

  it('retain: a finished Job stays; a killed one is suspended (its pods deleted) and stays', async () => {
    const { runner } = standInRunner(server);
    const done = trialSpec('retain', shJob('echo loss=1'), { retain: true });
    assert.equal((await runner.start(done).wait()).exitCode, 0);
    assert.ok(jobOf('retain', done.trialName), 'kept');
    const killed = trialSpec('retain', shJob('echo ready; sleep 30'), { retain: true });
    const trial = runner.start(killed);
    trial.onLine(() => void trial.kill());
    assert.equal((await trial.wait()).killedBy, 'kill');
    const job = jobOf('retain', killed.trialName);
    assert.equal(job?.spec.suspend, true);
    assert.ok(job?.status.conditions.some((c: { type: string }) => c.type === 'Suspended'));
    assert.equal(podsOf('retain', killed.trialName).filter((p) => p.status.phase === 'Running').length, 0);
  });

  it('a Job deleted by someone else fails the trial, saying so', async () => {
    const { runner } = standInRunner(server);
    const spec = trialSpec('gone', shJob('echo ready; sleep 30'));
    const trial = runner.start(spec);
    trial.onLine(() => server.store.delete(JOBS, 'gone', spec.trialName, 'Background'));
    const exit = await trial.wait();
    assert.equal(exit.killedBy, undefined);
    assert.match(exit.detail ?? '', /the Job was deleted by someone else/);
  });

  it('a Job left by an earlier run of the trial (409 AlreadyExists) is replaced', async () => {
    const { runner, warnings } = standInRunner(server);
    const spec = trialSpec('leftover', shJob('echo fresh'));
    const old = server.store.create(JOBS, 'leftover', {
      ...shJob('echo stale; sleep 30'),
      metadata: { name: spec.trialName },
    });
    await until(
      'the old pod',
      () => podsOf('leftover', spec.trialName).length + server.store.list(PODS, 'leftover').length > 0,
      5000,
    );
    const lines: string[] = [];
    const trial = runner.start(spec);
    trial.onLine((line) => lines.push(line));
    assert.equal((await trial.wait()).exitCode, 0);
    assert.deepEqual(lines, ['fresh']);
    assert.ok(warnings.some((w) => w.includes('left from an earlier run')));
    assert.notEqual(createdJob(spec.trialName).metadata.uid, old.metadata.uid);
  });
});

describe('Kubernetes runner: a cluster that drops connections', () => {
  it("a Job that ended before the runner's watch was answered ends its trial from the list", async () => {
    // The Job's list comes back after the Job has completed, and the watch that follows has no
    // event to send (the runner deletes the Job only after the end), so behind a buffering proxy
    // its response never starts: the end must be taken from the list.
    server.listDelayMs.set('Job', 1500);
    server.holdWatchHeaders = true;
    try {
      const { runner } = standInRunner(server);
      const spec = trialSpec('buffered', shJob('echo done'));
      const trial = runner.start(spec);
      const lines: string[] = [];
      trial.onLine((line) => lines.push(line));
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([
        trial.wait(),
        new Promise<'stalled'>((resolve) => {
          timer = setTimeout(() => resolve('stalled'), 15_000);
        }),
      ]);
      clearTimeout(timer);
      assert.deepEqual(exit, { exitCode: 0, signal: null });
      assert.deepEqual(lines, ['done']);
      assert.equal(jobOf('buffered', spec.trialName), undefined, 'the Job is deleted after');
      // The watch whose response started only with the deletion is closed too, not left open.
      await until(
        "the trial's watches to close",
        () => !server.openWatches().some((w) => w.includes(spec.trialName)),
        5000,
      );
    } finally {
      server.listDelayMs.clear();
      server.holdWatchHeaders = false;
    }
  });

  it('watches cut, compacted (410 Gone) and log streams cut: every line once, the end still seen', async () => {
    const { runner, warnings } = standInRunner(server);
    const script = 'for i in 1 2 3 4 5 6; do echo line$i; sleep 0.25; done';
    const spec = trialSpec('flaky', shJob(script));
    const trial = runner.start(spec);
    const lines: string[] = [];
    trial.onLine((line) => {
      lines.push(line);
      if (line === 'line2') server.dropWatches();
      if (line === 'line3') server.dropLogStreams();
      if (line === 'line4') {
        server.compact();
        server.dropWatches();
      }
    });
    const listsBefore = server.requests.filter((r) =>
      r.startsWith('GET /apis/batch/v1/namespaces/flaky/jobs?fieldSelector'),
    ).length;
    assert.equal((await trial.wait()).exitCode, 0);
    assert.deepEqual(lines, ['line1', 'line2', 'line3', 'line4', 'line5', 'line6']);
    const jobRequests = server.requests.filter((r) =>
      r.startsWith('GET /apis/batch/v1/namespaces/flaky/jobs?'),
    );
    const watches = jobRequests.filter((r) => r.includes('watch=true'));
    assert.ok(watches.length >= 3, `the watch was reopened: ${watches.join(', ')}`);
    assert.ok(
      watches.every((w) => /resourceVersion=\d+/.test(w)),
      'each watch resumes from a resourceVersion',
    );
    const lists = jobRequests.filter((r) => !r.includes('watch=true')).length;
    assert.ok(lists >= listsBefore + 2, 'relisted after 410 Gone');
    const logRequests = server.requests.filter((r) => r.includes(`/log?`) && r.includes(spec.trialName));
    assert.ok(
      logRequests.some((r) => r.includes('sinceTime=')),
      'the log was reopened from the last time stamp',
    );
    void warnings;
  });
});

describe('Kubernetes runner: other kinds, through their conditions', () => {
  // A stand-in operator for a custom kind: one pod from spec.template; status.phase follows it.
  const TRAINERS = {
    group: 'example.com',
    version: 'v1',
    kind: 'Trainer',
    plural: 'trainers',
    namespaced: true,
  };
  before(() => {
    server.register(TRAINERS);
    server.store.onEvent((event) => {
      const o = event.object;
      if (event.resource === TRAINERS && event.type === 'ADDED') {
        setTimeout(() => {
          server.store.create(PODS, o.metadata.namespace, {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              ...o.spec.template.metadata,
              name: `${o.metadata.name}-worker-0`,
              ownerReferences: [
                { apiVersion: 'example.com/v1', kind: 'Trainer', name: o.metadata.name, uid: o.metadata.uid },
              ],
            },
            spec: o.spec.template.spec,
          });
        }, 5);
      }
      const owner = o.metadata.ownerReferences?.find((r: Obj) => r.kind === 'Trainer');
      const phase = o.status?.phase;
      if (event.resource === PODS && owner && (phase === 'Succeeded' || phase === 'Failed')) {
        server.store.update(TRAINERS, o.metadata.namespace, owner.name, (t) => {
          t.status = { phase: phase === 'Succeeded' ? 'Done' : 'Broken' };
        });
      }
    });
  });
  const trainer = (script: string): Obj => ({
    apiVersion: 'example.com/v1',
    kind: 'Trainer',
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'trainer', image: 'x', command: ['sh', '-c', script] }],
        },
      },
    },
  });
  const conditions = {
    primaryContainerName: 'trainer',
    successCondition: 'status.[@this].#(phase=="Done")#',
    failureCondition: 'status.[@this].#(phase=="Broken")#',
  };

  it("succeeds and fails by the template's conditions, with the primary container's log", async () => {
    const { runner } = standInRunner(server);
    const ok = runner.start(trialSpec('crd', trainer('echo acc=0.9'), conditions));
    const lines: string[] = [];
    ok.onLine((line) => lines.push(line));
    assert.deepEqual(await ok.wait(), { exitCode: 0, signal: null });
    assert.deepEqual(lines, ['acc=0.9']);
    const broken = await runner.start(trialSpec('crd', trainer('exit 7'), conditions)).wait();
    assert.equal(broken.exitCode, 7);
  });

  it('the runner times out a kind Kubernetes does not time itself: deleted with its pods', async () => {
    const { runner } = standInRunner(server);
    const spec = trialSpec('crd', trainer('echo ready; sleep 30'), conditions, { timeoutSeconds: 0.5 });
    const exit = await runner.start(spec).wait();
    assert.deepEqual(exit, { exitCode: null, signal: 'SIGTERM', killedBy: 'timeout' });
    assert.equal(server.store.get(TRAINERS, 'crd', spec.trialName), undefined);
    assert.deepEqual(podsOf('crd', spec.trialName), []);
  });
});

describe('Kubernetes runner: deleting an experiment', () => {
  it("deletes the experiment's owner: what it left goes (Background), retained resources stay released (Orphan)", async () => {
    const { runner } = standInRunner(server, { namespace: 'owned' });
    const kept = trialSpec('owned', shJob('echo done'), { retain: true });
    assert.equal((await runner.start(kept).wait()).exitCode, 0);
    await runner.deleteExperiment('exp', { retain: true });
    await until(
      'owner gone',
      () => server.store.get(CONFIG_MAPS, 'owned', 'katib-experiment-exp') === undefined,
      5000,
    );
    assert.deepEqual(jobOf('owned', kept.trialName)?.metadata.ownerReferences, [], 'released, not deleted');

    const left = trialSpec('owned', shJob('echo done'), { retain: true });
    assert.equal((await runner.start(left).wait()).exitCode, 0);
    assert.ok(jobOf('owned', left.trialName));
    await runner.deleteExperiment('exp', { retain: false });
    await until('the Job garbage collected', () => jobOf('owned', left.trialName) === undefined, 5000);
    await until('its pods garbage collected', () => podsOf('owned', left.trialName).length === 0, 5000);
  });
});
