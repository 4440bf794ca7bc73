/**
 * `katib manifests`: every object it prints, for every database choice, validated against the
 * Kubernetes OpenAPI schemas (kubernetes-models' validators), and checked to hang together: the
 * Services select the pods and ports that exist, the Secrets referenced are there, the args are
 * flags the katib CLI has, and the controller's Role allows every call the Kubernetes runner makes
 * (recorded on the stand-in API server).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { register as registerServer } from '../../src/cli/commands/server.js';
import { register as registerWebhook } from '../../src/cli/commands/webhook.js';
import type { CliContext } from '../../src/cli/context.js';
import { type ManifestsFlags, runManifests } from '../../src/cli/run-manifests.js';
import { CONTROLLER_RULES } from '../../src/manifests/index.js';
import { parseFlags } from '../cli/parse-flags.js';
import { shJob, standInRunner, trialSpec } from '../runner/kubernetes/support.js';
import { FakeKubeApiServer, type Obj } from '../support/fake-kube-apiserver.js';

async function manifests(args: Record<string, string>, env: Record<string, string> = {}): Promise<Obj[]> {
  let out = '';
  const context: CliContext = {
    env,
    stdout: {
      write: (text: string) => {
        out += text;
        return true;
      },
    } as NodeJS.WritableStream,
    stderr: process.stderr,
  };
  // The options as `katib manifests` flags (`dbSecret` is --db-secret), parsed as the CLI does.
  const argv = Object.entries(args).flatMap(([k, v]) => [
    `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    v,
  ]);
  await runManifests(await parseFlags<ManifestsFlags>(['manifests', ...argv], env), context);
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

/** The kubernetes-models class for an object, by its apiVersion and kind. */
async function modelOf(object: Obj): Promise<new (data: Obj) => { validate(): void }> {
  const groupVersion = String(object.apiVersion).includes('/') ? object.apiVersion : `v1`;
  const module = (await import(`kubernetes-models/${groupVersion}/${object.kind}`)) as Record<
    string,
    unknown
  >;
  return module[object.kind] as new (
    data: Obj,
  ) => { validate(): void };
}

const CLUSTER_SCOPED = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration'];
const CHOICES: [string, Record<string, string>, Record<string, string>][] = [
  ['defaults (MariaDB in kubeflow)', {}, {}],
  ['postgres in another namespace', { db: 'postgres', namespace: 'ml-team' }, {}],
  [
    'an existing database, options from the environment',
    {},
    { KATIB_MANIFESTS_DB_SECRET: 'my-db', KATIB_IMAGE: 'registry.example/katib-ts:1' },
  ],
];

for (const [label, flags, env] of CHOICES) {
  describe(`katib manifests: ${label}`, () => {
    let objects: Obj[];
    const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
    const named = (kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name);
    before(async () => {
      objects = await manifests(flags, env);
    });

    it('every object is valid by the Kubernetes OpenAPI schema', async () => {
      assert.ok(objects.length >= 15);
      for (const object of objects) {
        const Model = await modelOf(object);
        assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`);
      }
    });

    it('namespaces, names and the database', () => {
      const ns = flags.namespace ?? 'kubeflow';
      assert.equal(objects[0]!.kind, 'Namespace');
      for (const o of objects) {
        if (CLUSTER_SCOPED.includes(o.kind)) assert.equal(o.metadata.namespace, undefined, o.metadata.name);
        else assert.equal(o.metadata.namespace, ns, `${o.kind} ${o.metadata.name}`);
        assert.match(o.metadata.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      }
      const sets = byKind('StatefulSet');
      if (env.KATIB_MANIFESTS_DB_SECRET) assert.equal(sets.length, 0);
      else {
        assert.equal(sets.length, 1);
        assert.equal(sets[0]!.metadata.name, flags.db === 'postgres' ? 'katib-postgres' : 'katib-mysql');
        const url = named('Secret', 'katib-db')!.stringData.KATIB_DB_URL as string;
        assert.match(
          url,
          flags.db === 'postgres'
            ? /^postgres:\/\/postgres:[^@]+@katib-postgres\.ml-team\.svc:5432\/katib$/
            : /^mysql:\/\/root:[^@]+@katib-mysql\.kubeflow\.svc:3306\/katib$/,
        );
      }
    });

    it('Services select existing pods on ports they name; Secrets and accounts referenced exist', () => {
      const workloads = [...byKind('Deployment'), ...byKind('StatefulSet')];
      for (const service of byKind('Service')) {
        const target = workloads.find((w) =>
          Object.entries(service.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
        );
        assert.ok(target, `a workload for Service ${service.metadata.name}`);
        const ports = target.spec.template.spec.containers.flatMap((c: Obj) => c.ports ?? []);
        for (const port of service.spec.ports) {
          const match = ports.find(
            (p: Obj) => p.name === port.targetPort || p.containerPort === port.targetPort,
          );
          assert.ok(match, `Service ${service.metadata.name} port ${port.name}`);
        }
      }
      const dbManager = named('Service', 'katib-db-manager')!;
      assert.deepEqual(
        dbManager.spec.ports.map((p: Obj) => p.port),
        [6789, 8080],
      );
      const server = named('Deployment', 'katib-server')!;
      const pod = server.spec.template.spec;
      assert.ok(named('ServiceAccount', pod.serviceAccountName));
      const dbUrl = pod.containers[0].env.find((e: Obj) => e.name === 'KATIB_DB_URL').valueFrom.secretKeyRef;
      assert.equal(dbUrl.name, env.KATIB_MANIFESTS_DB_SECRET ?? 'katib-db');
      if (!env.KATIB_MANIFESTS_DB_SECRET) assert.ok(named('Secret', dbUrl.name));
      assert.equal(pod.containers[0].image, env.KATIB_IMAGE ?? 'katib-ts:0.1.0');
      const binding = named('RoleBinding', 'katib-controller')!;
      assert.equal(binding.subjects[0].name, pod.serviceAccountName);
      assert.ok(named('Role', binding.roleRef.name));
    });

    it('the webhook: its configuration calls its Service; the certificate Jobs make the Secret it mounts and patch that configuration', () => {
      const [configuration] = byKind('MutatingWebhookConfiguration');
      const hook = configuration!.webhooks[0];
      const service = named('Service', hook.clientConfig.service.name)!;
      assert.equal(hook.clientConfig.service.namespace, service.metadata.namespace);
      assert.deepEqual(hook.objectSelector.matchExpressions, [
        { key: 'katib.kubeflow.org/trial', operator: 'Exists' },
      ]);
      const webhook = named('Deployment', 'katib-webhook')!;
      const secretName = webhook.spec.template.spec.volumes[0].secret.secretName;
      const create = named('Job', 'katib-webhook-certgen-create')!.spec.template.spec.containers[0]
        .args as string[];
      const patch = named('Job', 'katib-webhook-certgen-patch')!.spec.template.spec.containers[0]
        .args as string[];
      assert.ok(create.includes(`--secret-name=${secretName}`));
      assert.ok(
        create.some(
          (a) => a.startsWith('--host=') && a.includes(`katib-webhook.${service.metadata.namespace}.svc`),
        ),
      );
      assert.ok(patch.includes(`--webhook-name=${configuration!.metadata.name}`));
      const clusterRole = byKind('ClusterRole')[0]!;
      assert.deepEqual(clusterRole.rules[0].resourceNames, [configuration!.metadata.name]);
      const shims = webhook.spec.template.spec.containers[0].args as string[];
      assert.ok(named('ConfigMap', shims[shims.indexOf('--shims-configmap') + 1]!));
    });

    it("the containers' args are flags of `katib server` and `katib webhook`", () => {
      const program = new Command();
      const context = { env: {}, stdout: process.stdout, stderr: process.stderr };
      registerServer(program, context);
      registerWebhook(program, context);
      for (const name of ['katib-server', 'katib-webhook']) {
        const args = named('Deployment', name)!.spec.template.spec.containers[0].args as string[];
        const command = program.commands.find((c) => c.name() === args[0])!;
        const known = command.options.map((o) => o.long);
        for (const arg of args.filter((a) => a.startsWith('--')))
          assert.ok(known.includes(arg), `${args[0]} ${arg}`);
      }
    });
  });
}

describe('katib manifests: the validation is real, bad options are refused', () => {
  it('a schema violation is caught', async () => {
    const [deployment] = (await manifests({})).filter((o) => o.kind === 'Deployment');
    deployment!.spec.template.spec.containers[0].ports[0].containerPort = '6789';
    const Model = await modelOf(deployment!);
    assert.throws(() => new Model(deployment!).validate(), /containerPort must be integer/);
  });

  it('bad flags and variables: exit 2 naming them', async () => {
    await assert.rejects(manifests({ db: 'oracle' }), (err: Error & { exitCode?: number }) => {
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /^--db: "oracle" must be mysql or postgres$/);
      return true;
    });
    await assert.rejects(
      manifests({}, { KATIB_NAMESPACE: 'Bad_NS' }),
      /^CliError: KATIB_NAMESPACE: "Bad_NS" must be a Kubernetes namespace name/,
    );
    await assert.rejects(
      manifests({ db: 'postgres', dbSecret: 'x' }),
      /--db: "postgres" cannot be combined with --db-secret/,
    );
    await assert.rejects(manifests({ dbPassword: 'short' }), /--db-password: "\(hidden\)"/);
  });
});

describe("the controller's Role allows every call the Kubernetes runner makes", () => {
  const server = new FakeKubeApiServer();
  before(() => server.start());
  after(() => server.close());

  it('create, watch, read logs, kill, replace a leftover, delete the experiment', async () => {
    const { runner } = standInRunner(server);
    assert.equal((await runner.start(trialSpec('rbac', shJob('echo loss=1'))).wait()).exitCode, 0);
    const killed = runner.start(trialSpec('rbac', shJob('echo ready; sleep 30')));
    killed.onLine(() => void killed.kill());
    await killed.wait();
    const retained = trialSpec('rbac', shJob('echo done'), { retain: true });
    await runner.start(retained).wait();
    const again = runner.start({ ...trialSpec('rbac', shJob('echo again')), trialName: retained.trialName });
    await again.wait();
    const suspended = runner.start(trialSpec('rbac', shJob('echo ready; sleep 30'), { retain: true }));
    suspended.onLine(() => void suspended.kill());
    await suspended.wait();
    await runner.deleteExperiment('exp', { retain: false });
    await runner.probe();

    const calls = new Set<string>();
    for (const request of server.requests) {
      const [method, target] = request.split(' ') as [string, string];
      const url = new URL(target, 'http://x');
      const parts = url.pathname.split('/').filter(Boolean);
      const at = parts.indexOf('namespaces');
      if (at < 0) continue; // discovery
      const group = parts[0] === 'api' ? '' : parts[1]!;
      const [, , resource, name, sub] = parts.slice(at);
      const verb =
        method === 'POST'
          ? 'create'
          : method === 'DELETE'
            ? 'delete'
            : method === 'PATCH'
              ? 'patch'
              : method === 'PUT'
                ? 'update'
                : url.searchParams.get('watch') === 'true'
                  ? 'watch'
                  : name === undefined
                    ? 'list'
                    : 'get';
      calls.add(`${group}|${sub ? `${resource}/${sub}` : resource}|${verb}`);
    }
    assert.ok(calls.size >= 8, [...calls].join(' '));
    for (const call of calls) {
      const [group, resource, verb] = call.split('|') as [string, string, string];
      const allowed = CONTROLLER_RULES.some(
        (r) => r.apiGroups?.includes(group) && r.resources?.includes(resource) && r.verbs.includes(verb),
      );
      assert.ok(allowed, `the Role allows ${verb} ${resource} (group "${group}")`);
    }
  });
});
