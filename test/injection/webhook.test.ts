/**
 * `katib webhook` as the API server calls it: HTTPS with a self-signed certificate made here
 * (openssl), real admission.k8s.io/v1 AdmissionReview JSON for trial Pods (Katib's SDK form, a
 * script in the image), a Pod that is not a trial, and malformed requests.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { CliProcess } from '../cli/spawn-cli.js';

interface Answer {
  status: number;
  body: {
    response?: {
      uid: string;
      allowed: boolean;
      patchType?: string;
      patch?: string;
      warnings?: string[];
      status?: { code: number; message: string };
    };
    error?: string;
  };
}

type Json = Record<string, unknown> & { spec?: PodSpec; metadata?: Record<string, unknown> };
type PodSpec = { containers: Container[]; volumes?: unknown[]; restartPolicy?: string };
type Container = {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: unknown[];
};

/** Applies RFC 6902 add/replace operations (what the webhook sends). */
function applyPatch(doc: unknown, ops: { op: string; path: string; value: unknown }[]): Json {
  const out = structuredClone(doc) as Json;
  for (const { op, path: at, value } of ops) {
    const keys = at
      .split('/')
      .slice(1)
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop()!;
    let parent: Record<string, unknown> | unknown[] = out;
    for (const k of keys) parent = (parent as Record<string, unknown>)[k] as Record<string, unknown>;
    assert.ok(parent !== undefined, `${at}: parent missing`);
    if (Array.isArray(parent)) {
      if (last === '-') parent.push(value);
      else if (op === 'replace') parent[Number(last)] = value;
      else parent.splice(Number(last), 0, value);
    } else {
      assert.ok(op === 'add' || last in parent, `${at}: replace of a missing member`);
      parent[last] = value;
    }
  }
  return out;
}

function review(uid: string, pod: unknown, kind = 'Pod'): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'kubeflow-user',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:job-controller' },
      object: pod,
      dryRun: false,
    },
  };
}

function trialPod(container: Container, annotations: Record<string, string> = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'tune-exp-x7k2-',
      labels: { 'katib.kubeflow.org/experiment': 'tune-exp', 'katib.kubeflow.org/trial': 'tune-exp-x7k2' },
      annotations: { 'katib-ts.kubeflow.org/metric-names': 'loss,accuracy', ...annotations },
    },
    spec: { restartPolicy: 'Never', containers: [container] },
  };
}

// Katib's Python SDK (trial parameters already substituted, as in the Pods Katib creates).
const SDK_ARGS = `program_path=$(mktemp -d)
read -r -d '' SCRIPT << EOM

def objective(parameters):
    result = 4 * int(parameters["a"]) - float(parameters["b"]) ** 2
    print(f"result={result} loss={result / 10}")

objective({'a': '7', 'b': '0.15'})

EOM
printf "%s" "$SCRIPT" > $program_path/ephemeral_objective.py
python3 -u $program_path/ephemeral_objective.py`;

describe('katib webhook over HTTPS', () => {
  let dir: string;
  let cert: string;
  let cli: CliProcess;
  let port: number;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'katib-webhook-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=katib-webhook',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'tls.key'),
        '-out',
        path.join(dir, 'tls.crt'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(path.join(dir, 'tls.crt'), 'utf8');
    cli = new CliProcess([
      'webhook',
      '--tls-cert',
      path.join(dir, 'tls.crt'),
      '--tls-key',
      path.join(dir, 'tls.key'),
      '--listen',
      '127.0.0.1:0',
      '--db-manager-address',
      'katib-db-manager.kubeflow:6789',
      '--db-manager-http-address',
      'katib-db-manager.kubeflow:8080',
    ]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stderr);
      if (m) {
        port = Number(m[1]);
        break;
      }
      if (Date.now() > deadline) throw new Error(`webhook did not start: ${cli.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    cli.child.kill('SIGTERM');
    const { code } = await cli.exited;
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, cli.stderr);
  });

  const post = (body: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/mutate?timeout=10s',
          method: 'POST',
          ca: cert,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const patched = (pod: Json, answer: Answer): Json => {
    const r = answer.body.response!;
    assert.equal(r.allowed, true);
    assert.equal(r.patchType, 'JSONPatch');
    return applyPatch(pod, JSON.parse(Buffer.from(r.patch!, 'base64').toString('utf8')));
  };
  const envOf = (c: Container): Record<string, string | undefined> =>
    Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

  it("a trial Pod from Katib's SDK: env set, the heredoc's metric print rewritten, no container added", async () => {
    const pod = trialPod(
      {
        name: 'training-container',
        image: 'python:3.11',
        command: ['bash', '-c'],
        args: [SDK_ARGS],
      } as Container,
      {
        'katib-ts.kubeflow.org/metric-names': 'result,loss',
      },
    );
    const answer = await post(JSON.stringify(review('e911857d-c318-11e8-bbad-025000000001', pod)));
    assert.equal(answer.status, 200);
    assert.equal(answer.body.response!.uid, 'e911857d-c318-11e8-bbad-025000000001');
    const out = patched(pod, answer);
    assert.equal(out.spec!.containers.length, 1);
    const c = out.spec!.containers[0]!;
    assert.deepEqual(c.command, ['bash', '-c']);
    assert.match(c.args![0]!, /^ {4}_katib_push\.report\("result", result, "loss", \(result \/ 10\)\)$/m);
    assert.ok(
      c.args![0]!.includes("objective({'a': '7', 'b': '0.15'})"),
      'the rest of the script is unchanged',
    );
    const env = envOf(c);
    assert.equal(env.KATIB_TRIAL_NAME, 'tune-exp-x7k2');
    assert.equal(env.KATIB_DB_MANAGER_ADDRESS, 'katib-db-manager.kubeflow:6789');
    assert.equal(env.KATIB_DB_MANAGER_HTTP_ADDRESS, 'katib-db-manager.kubeflow:8080');
    assert.equal(env.KATIB_METRIC_NAMES, 'result,loss');
    assert.match(
      String(
        out.metadata!.annotations &&
          (out.metadata!.annotations as Record<string, string>)['katib-ts.kubeflow.org/injection'],
      ),
      /1 print rewritten/,
    );
  });

  it('a trial Pod running a script from its image gets the shims mounted, its env merged', async () => {
    const pod = trialPod({
      name: 'training-container',
      command: ['python3', '/app/train.py', '--lr=0.1'],
      env: [{ name: 'PYTHONPATH', value: '/app/lib' }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    });
    const out = patched(pod, await post(JSON.stringify(review('uid-2', pod))));
    const c = out.spec!.containers[0]!;
    assert.deepEqual(c.command, ['python3', '/app/train.py', '--lr=0.1']);
    const env = envOf(c);
    assert.equal(env.PYTHONPATH, '/katib-injection/python:/app/lib');
    assert.equal(env.NODE_OPTIONS, '--import=/katib-injection/node/katib-preload.mjs');
    assert.equal(env.KATIB_TRIAL_NAME, 'tune-exp-x7k2');
    assert.deepEqual(c.volumeMounts, [
      { name: 'data', mountPath: '/data' },
      { name: 'katib-injection-shims', mountPath: '/katib-injection', readOnly: true },
    ]);
    assert.equal(
      (out.spec!.volumes as { configMap: { name: string } }[])[0]!.configMap.name,
      'katib-ts-injection-shims',
    );
  });

  it('a Pod that is not a trial, and a trial of another collector kind, are allowed untouched', async () => {
    const plain = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'nginx' }] },
    };
    for (const [uid, pod] of [
      ['uid-3', plain],
      [
        'uid-4',
        trialPod(
          { name: 't', command: ['python3', 'x.py'] },
          { 'katib-ts.kubeflow.org/collector-kind': 'StdOut' },
        ),
      ],
    ] as const) {
      const answer = await post(JSON.stringify(review(uid, pod)));
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.response, { uid, allowed: true });
    }
  });

  it('malformed requests are refused with the reason, and the server keeps answering', async () => {
    const notJson = await post('{"apiVersion": ');
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error!, /not JSON/);
    const noUid = await post(
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {} }),
    );
    assert.equal(noUid.status, 400);
    assert.match(noUid.body.error!, /request\.uid/);
    const v1beta1 = await post(
      JSON.stringify({ ...(review('u', {}) as object), apiVersion: 'admission.k8s.io/v1beta1' }),
    );
    assert.equal(v1beta1.status, 400);
    const badPod = trialPod({ name: 'x' });
    (badPod.spec as { containers: unknown }).containers = 'not a list';
    const refused = await post(JSON.stringify(review('uid-5', badPod)));
    assert.equal(refused.status, 200);
    assert.equal(refused.body.response!.allowed, false);
    assert.equal(refused.body.response!.status!.code, 400);
    assert.match(refused.body.response!.status!.message, /spec\.containers/);
    const still = await post(
      JSON.stringify(review('uid-6', { kind: 'Pod', metadata: {}, spec: { containers: [] } })),
    );
    assert.deepEqual(still.body.response, { uid: 'uid-6', allowed: true });
  });

  it('--print-configmap prints the shims ConfigMap', async () => {
    const printer = new CliProcess(['webhook', '--print-configmap', '--shims-configmap', 'shims']);
    assert.equal((await printer.exited).code, 0, printer.stderr);
    const map = parse(printer.stdout) as {
      kind: string;
      metadata: { name: string };
      data: Record<string, string>;
    };
    assert.equal(map.kind, 'ConfigMap');
    assert.equal(map.metadata.name, 'shims');
    assert.deepEqual(Object.keys(map.data).sort(), [
      'katib-preload.mjs',
      'katib_push_client.py',
      'sitecustomize.py',
    ]);
  });
});
