/**
 * The dashboard's HTTP side on real databases: the JSON API (one request for all trials'
 * summaries), the pages and assets, read-only and writable mounts, and the Server-Sent Events
 * streams fed by real pushes to the DB manager's HTTP port.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setCondition } from '../../src/api/conditions.js';
import type { Trial } from '../../src/api/trial.js';
import type {
  ExperimentDetail,
  ExperimentSummary,
  TrialDetail,
  TrialLogsReply,
  TrialSummary,
} from '../../src/ui/index.js';
import { testDatabases } from '../support/databases.js';
import { buildDashboard } from './build.js';
import { type DashboardServer, pushJson, SseReader, startDashboardServer } from './harness.js';
import { seedExperiment, trainingExperiment } from './seed.js';

const databases = await testDatabases();

before(buildDashboard);

for (const database of databases) {
  describe(`dashboard API on ${database.label}`, { skip: database.skipReason }, () => {
    if (database.skipReason !== undefined) return;
    let server: DashboardServer;
    let seededTrials: string[];

    before(async () => {
      server = await startDashboardServer(await database.fresh(), { pollIntervalMs: 150 });
      seededTrials = await seedExperiment(server.katib.db, { name: 'seeded', trials: 40, reports: 5 });
      await server.katib.experiments.createExperiment(trainingExperiment('fresh'));
    });
    after(() => server?.close());

    const get = (p: string, init?: RequestInit) => fetch(new URL(p, server.url), init);
    const json = async <T>(p: string): Promise<T> => {
      const res = await get(p);
      assert.equal(res.status, 200, `${p}: ${res.status}`);
      return (await res.json()) as T;
    };

    it('lists experiments with their state, counts and best value', async () => {
      const rows = await json<ExperimentSummary[]>('api/experiments');
      const seeded = rows.find((r) => r.name === 'seeded')!;
      const fresh = rows.find((r) => r.name === 'fresh')!;
      assert.equal(seeded.state, 'Succeeded');
      assert.equal(seeded.trials, 40);
      assert.equal(seeded.algorithm, 'tpe');
      assert.deepEqual(seeded.objective, { type: 'minimize', metric: 'loss', strategy: 'min' });
      assert.equal(seeded.succeeded + seeded.failed + seeded.earlyStopped, 40);
      assert.ok(seeded.bestTrial && seededTrials.includes(seeded.bestTrial));
      assert.equal(typeof seeded.bestValue, 'number');
      assert.equal(fresh.state, 'Created');
      assert.equal(fresh.trials, 0);
      assert.equal(fresh.bestValue, undefined);
    });

    it("serves an experiment with every trial's summary in one response", async () => {
      const d = await json<ExperimentDetail>('api/experiments/seeded');
      assert.equal(d.trials.length, 40);
      assert.deepEqual(
        d.trials.map((t) => t.name),
        seededTrials,
        'creation order',
      );
      assert.deepEqual(
        d.parameters.map((p) => p.name),
        ['lr', 'layers', 'dropout', 'optimizer'],
      );
      assert.equal(d.parameters[0]!.distribution, 'logUniform');
      assert.deepEqual(d.metricNames, ['loss', 'accuracy']);
      assert.match(d.specYaml, /kind: Experiment\n/);
      assert.match(d.specYaml, /name: seeded/);
      assert.doesNotMatch(d.specYaml, /status:/);
      assert.equal(d.conditions.at(-1)!.type, 'Succeeded');
      const stored = (await server.katib.experiments.getTrial(seededTrials[3]!))!;
      const t = d.trials[3]!;
      assert.deepEqual(
        t.params,
        stored.parameterAssignments.map((a) => a.value),
      );
      const loss = stored.observation!.metrics.find((m) => m.name === 'loss')!;
      assert.equal(t.objective, Number(loss.min), 'minimize: the min of the log');
      assert.equal(t.metrics.accuracy, stored.observation!.metrics.find((m) => m.name === 'accuracy')!.max);
      const bestValue = Math.min(...d.trials.map((x) => x.objective ?? Number.POSITIVE_INFINITY));
      assert.equal(d.summary.bestValue, bestValue);
      assert.equal(d.optimal?.bestTrialName, d.trials.find((x) => x.objective === bestValue)!.name);
    });

    it('gzips large JSON for clients that accept it', async () => {
      const res = await get('api/experiments/seeded', { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(res.headers.get('content-encoding'), 'gzip');
      assert.equal(((await res.json()) as ExperimentDetail).trials.length, 40);
    });

    it('serves a trial with its observation log as one series per metric', async () => {
      const name = seededTrials[0]!;
      const d = await json<TrialDetail>(`api/trials/${name}`);
      const logs = await server.katib.db.observations.get(name);
      assert.equal(d.trial.name, name);
      assert.equal(d.experiment.name, 'seeded');
      assert.deepEqual(Object.keys(d.series).sort(), ['accuracy', 'loss']);
      const loss = logs.filter((l) => l.name === 'loss');
      assert.deepEqual(
        d.series.loss!.v,
        loss.map((l) => Number(l.value)),
      );
      assert.deepEqual(
        d.series.loss!.t,
        loss.map((l) => l.time / 1000),
      );
    });

    it("tails the trial's stdout.log and says which log is missing", async () => {
      const name = seededTrials[1]!;
      const dir = path.join(server.workRoot, 'seeded', name);
      mkdirSync(dir, { recursive: true });
      const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
      writeFileSync(path.join(dir, 'stdout.log'), `${lines.join('\n')}\n`);
      const logs = await json<TrialLogsReply>(`api/trials/${name}/logs`);
      assert.equal(logs.dir, dir);
      assert.equal(logs.stdout.truncated, true);
      assert.ok(logs.stdout.text!.length <= 64 * 1024);
      assert.ok(logs.stdout.text!.startsWith('line '), 'the tail starts at a line');
      assert.ok(logs.stdout.text!.endsWith('line 4999 xxxxxxxxxxxxxxxxxxxx\n'));
      assert.equal(logs.stdout.size, Buffer.byteLength(`${lines.join('\n')}\n`));
      assert.deepEqual(logs.stderr, { text: null, size: 0, truncated: false });
    });

    it('answers unknown names and paths with not_found, other methods with 405', async () => {
      for (const p of ['api/experiments/nope', 'api/trials/nope', 'api/trials/nope/logs', 'api/whatever']) {
        const res = await get(p);
        assert.equal(res.status, 404, p);
        const body = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'not_found');
      }
      assert.equal((await get('api/experiments/nope/events')).status, 404);
      assert.equal((await get('no/such/page')).status, 404);
      assert.equal((await get('assets/..%2Fpackage.json')).status, 404);
      assert.equal((await get('experiments/x', { method: 'POST' })).status, 405);
    });

    it('serves index.html for every page with the mount point as base, and the assets', async () => {
      for (const p of ['', 'experiments/seeded', `trials/${seededTrials[0]}`]) {
        const res = await get(p);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type')!, /text\/html/);
        assert.match(res.headers.get('content-security-policy')!, /script-src 'self'/);
        const html = await res.text();
        assert.match(html, /<base href="\/">/);
        assert.match(html, /"writable":false/);
      }
      const js = await get('assets/app.js');
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type')!, /javascript/);
      const etag = js.headers.get('etag')!;
      assert.equal((await get('assets/app.js', { headers: { 'if-none-match': etag } })).status, 304);
    });

    it('is read-only by default: stop and delete are refused and change nothing', async () => {
      const del = await get('api/experiments/seeded', {
        method: 'DELETE',
        headers: { 'x-katib-dashboard': '1' },
      });
      assert.equal(del.status, 403);
      assert.match(((await del.json()) as { error: { message: string } }).error.message, /read-only/);
      const stop = await get('api/experiments/seeded/stop', {
        method: 'POST',
        headers: { 'x-katib-dashboard': '1' },
      });
      assert.equal(stop.status, 403);
      assert.ok(await server.katib.experiments.getExperiment('seeded'));
    });

    it('mounted writable under a prefix: deletes finished experiments only, on its own header', async () => {
      const w = server.dashboard; // keep the read-only one mounted at /
      assert.equal(w.prefix, '/');
      const { mountDashboard } = await import('../../src/ui/index.js');
      const writable = mountDashboard(server.katib.dbManager.httpRoutes!, {
        db: server.katib.db,
        service: server.katib.dbManager.service,
        workRoot: server.workRoot,
        writable: true,
        prefix: '/admin/',
      });
      try {
        const base = `${server.origin}/admin/`;
        assert.equal(writable.urlFor(server.katib.dbManager.httpAddress!), base);
        const html = await (await fetch(`${base}experiments/seeded`)).text();
        assert.match(html, /<base href="\/admin\/">/);
        assert.match(html, /"writable":true,"actions":\["delete"\]/);
        const seeded = `${base}api/experiments/seeded`;
        const noHeader = await fetch(seeded, { method: 'DELETE' });
        assert.equal(noHeader.status, 403, 'a cross-site form cannot send the header');
        const noStop = await fetch(`${seeded}/stop`, {
          method: 'POST',
          headers: { 'x-katib-dashboard': '1' },
        });
        assert.equal(noStop.status, 403, 'no stop was given');

        await server.katib.experiments.createExperiment(trainingExperiment('busy'));
        await server.katib.experiments.updateExperimentStatus('busy', {
          ...zeroStatus(),
          conditions: setCondition(
            [],
            { type: 'Running', reason: 'ExperimentRunning', message: 'running' },
            new Date().toISOString(),
          ),
        });
        const busy = await fetch(`${base}api/experiments/busy`, {
          method: 'DELETE',
          headers: { 'x-katib-dashboard': '1' },
        });
        assert.equal(busy.status, 409);
        assert.ok(await server.katib.experiments.getExperiment('busy'));

        const ok = await fetch(seeded, { method: 'DELETE', headers: { 'x-katib-dashboard': '1' } });
        assert.equal(ok.status, 200);
        assert.equal(await server.katib.experiments.getExperiment('seeded'), undefined);
        assert.deepEqual(await server.katib.experiments.listTrials('seeded'), []);
        assert.deepEqual(await server.katib.db.observations.get(seededTrials[0]!), []);
        assert.equal((await fetch(seeded)).status, 404);
      } finally {
        writable.close();
      }
    });

    it("calls the owner's stop and delete when it gives them", async () => {
      const { mountDashboard } = await import('../../src/ui/index.js');
      const calls: string[] = [];
      const writable = mountDashboard(server.katib.dbManager.httpRoutes!, {
        db: server.katib.db,
        service: server.katib.dbManager.service,
        writable: true,
        prefix: '/owner',
        actions: {
          stop: async (name) => void calls.push(`stop ${name}`),
          delete: async (name) => void calls.push(`delete ${name}`),
        },
      });
      try {
        const base = `${server.origin}/owner/api/experiments/fresh`;
        const headers = { 'x-katib-dashboard': '1' };
        assert.equal((await fetch(`${base}/stop`, { method: 'POST', headers })).status, 200);
        assert.equal((await fetch(base, { method: 'DELETE', headers })).status, 200);
        assert.deepEqual(calls, ['stop fresh', 'delete fresh']);
        const html = await (await fetch(`${server.origin}/owner/`)).text();
        assert.match(html, /"actions":\["stop","delete"\]/);
      } finally {
        writable.close();
      }
    });

    it("streams a running trial's pushed metrics within a second, and its state changes", async () => {
      const { katib } = server;
      await katib.experiments.createExperiment(trainingExperiment('live'));
      const trial = runningTrial('live', 'live-t1');
      await katib.experiments.createTrial(trial);
      const experimentEvents = new SseReader(`${server.url}api/experiments/live/events`);
      const trialEvents = new SseReader(`${server.url}api/trials/live-t1/events`);
      try {
        assert.equal(await experimentEvents.status, 200);
        await experimentEvents.next('ready');
        await trialEvents.next('ready');

        const pushed = performance.now();
        await pushJson(server.origin, 'live-t1', { loss: 0.42, accuracy: 0.8 });
        const current = (await experimentEvents.next('current', 1000)) as {
          trial: string;
          point: { value: number };
        }[];
        const latency = performance.now() - pushed;
        assert.deepEqual(
          current.map((c) => [c.trial, c.point.value]),
          [['live-t1', 0.42]],
        );
        const metrics = (await trialEvents.next('metrics', 1000)) as { name: string; v: number }[];
        assert.deepEqual(metrics.map((m) => [m.name, m.v]).sort(), [
          ['accuracy', 0.8],
          ['loss', 0.42],
        ]);
        assert.ok(latency < 1000, `metric reached the stream in ${latency.toFixed(0)} ms`);

        const done: Trial = {
          ...trial,
          conditions: setCondition(
            trial.conditions,
            { type: 'Succeeded', reason: 'TrialSucceeded', message: 'done' },
            new Date().toISOString(),
            ['Running'],
          ),
          completionTime: new Date().toISOString(),
          observation: { metrics: [{ name: 'loss', min: '0.42', max: '0.42', latest: '0.42' }] },
        };
        await katib.experiments.updateTrial(done);
        await katib.experiments.updateExperimentStatus('live', {
          ...zeroStatus(),
          trials: 1,
          trialsSucceeded: 1,
          conditions: [],
        });
        const changed = (await experimentEvents.next('trials', 2000)) as TrialSummary[];
        assert.deepEqual(
          changed.map((t) => [t.name, t.state, t.objective]),
          [['live-t1', 'Succeeded', 0.42]],
        );
        const summary = (await experimentEvents.next('experiment', 2000)) as { summary: ExperimentSummary };
        assert.equal(summary.summary.succeeded, 1);
        const updated = (await trialEvents.next('trial', 2000)) as Trial;
        assert.equal(updated.completionTime, done.completionTime);
      } finally {
        experimentEvents.close();
        trialEvents.close();
      }
    });

    it('streams new, changed and removed experiments to the list', async () => {
      const list = new SseReader(`${server.url}api/events`);
      try {
        await list.next('ready');
        await server.katib.experiments.createExperiment(trainingExperiment('newcomer'));
        server.dashboard.notify();
        const added = (await list.next('experiments', 2000)) as ExperimentSummary[];
        assert.deepEqual(
          added.map((e) => e.name),
          ['newcomer'],
        );
        await server.katib.experiments.deleteExperiment('newcomer');
        assert.deepEqual(await list.next('removed', 2000), ['newcomer']);
      } finally {
        list.close();
      }
    });

    it('tells an experiment stream that the experiment was deleted, and ends it', async () => {
      await server.katib.experiments.createExperiment(trainingExperiment('doomed'));
      const events = new SseReader(`${server.url}api/experiments/doomed/events`);
      await events.next('ready');
      await server.katib.experiments.deleteExperiment('doomed');
      server.dashboard.notify('doomed');
      assert.deepEqual(await events.next('removed', 2000), ['doomed']);
      await events.waitEnded();
    });

    it('close() ends every open stream; later ones are refused', async () => {
      const extra = await startDashboardServer(await database.fresh());
      try {
        await extra.katib.experiments.createExperiment(trainingExperiment('x'));
        const a = new SseReader(`${extra.url}api/events`);
        const b = new SseReader(`${extra.url}api/experiments/x/events`);
        await a.next('ready');
        await b.next('ready');
        extra.dashboard.close();
        await a.waitEnded();
        await b.waitEnded();
        assert.equal((await fetch(`${extra.url}api/events`)).status, 503);
      } finally {
        await extra.close();
      }
    });
  });
}

function runningTrial(experimentName: string, name: string): Trial {
  const now = new Date().toISOString();
  let conditions = setCondition<Trial['conditions'][number]['type']>(
    [],
    { type: 'Created', reason: 'TrialCreated', message: 'created' },
    now,
  );
  conditions = setCondition(conditions, { type: 'Running', reason: 'TrialRunning', message: 'running' }, now);
  return {
    name,
    experimentName,
    parameterAssignments: [
      { name: 'lr', value: '0.01' },
      { name: 'layers', value: '3' },
      { name: 'dropout', value: '0.2' },
      { name: 'optimizer', value: 'adam' },
    ],
    labels: {},
    conditions,
    startTime: now,
  };
}

function zeroStatus() {
  return {
    conditions: [],
    trials: 0,
    trialsSucceeded: 0,
    trialsFailed: 0,
    trialsKilled: 0,
    trialsRunning: 0,
    trialsPending: 0,
    trialsEarlyStopped: 0,
    trialMetricsUnavailable: 0,
  };
}
