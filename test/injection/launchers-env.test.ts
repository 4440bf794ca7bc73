/**
 * The environment of local trials (docs/running-experiments.md "The environment of a trial"): the
 * parent's whole environment by default, minus its KATIB_* variables; the container's env over
 * it; katib-ts's KATIB_* over that; PYTHONPATH and NODE_OPTIONS keep what the trial inherits with
 * katib-ts's parts added. `--clean-env` (KATIB_CLEAN_ENV) and the experiment's
 * `katib-ts.kubeflow.org/clean-env` annotation start from the clean list instead. Real trials
 * through the controller and the local runner on SQLite; the CLI case spawns dist/ (build first).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KatibError } from '../../src/api/errors.js';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { parseExperiment } from '../../src/spec/index.js';
import { knownAlgorithms } from '../../src/suggestion/index.js';
import { parseFlags } from '../cli/parse-flags.js';
import { experiment, runToEnd } from '../controller/harness.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'katib-env-'));
after(() => rmSync(work, { recursive: true, force: true }));

// A stand-in for Katib's Python SDK (`pip install kubeflow-katib`): the same import and call,
// pushing over the HTTP JSON endpoint with the standard library. Found only through PYTHONPATH.
const standIn = path.join(work, 'site');
mkdirSync(path.join(standIn, 'kubeflow', 'katib'), { recursive: true });
writeFileSync(path.join(standIn, 'kubeflow', '__init__.py'), '');
writeFileSync(
  path.join(standIn, 'kubeflow', 'katib', '__init__.py'),
  `import json, os, urllib.request
def report_metrics(metrics, db_manager_address=None, timeout=10):
    logs = [{"metric": {"name": k, "value": str(v)}} for k, v in metrics.items()]
    body = json.dumps({"trialName": os.environ["KATIB_TRIAL_NAME"], "observationLog": {"metricLogs": logs}})
    url = "http://" + os.environ["KATIB_DB_MANAGER_HTTP_ADDRESS"] + "/api.v1.beta1.DBManager/ReportObservationLog"
    req = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=timeout).read()
`,
);
const train = path.join(work, 'train.py');
writeFileSync(
  train,
  `import os
from kubeflow.katib import report_metrics
with open(os.path.join(os.environ["KATIB_TRIAL_DIR"], "env.json"), "w") as f:
    import json; json.dump(dict(os.environ), f)
report_metrics({"loss": 0.25})
`,
);
const trainNode = path.join(work, 'train.mjs');
writeFileSync(
  trainNode,
  `import { writeFileSync } from 'node:fs';
writeFileSync(process.env.KATIB_TRIAL_DIR + '/env.json', JSON.stringify(process.env));
console.log('loss=0.5');
`,
);

const PARENT: Record<string, string> = {
  CUDA_VISIBLE_DEVICES: '1,0',
  HF_HOME: '/data/hf',
  LD_LIBRARY_PATH: '/opt/cuda/lib64',
  AWS_PROFILE: 'training',
  PYTHONPATH: standIn,
  NODE_OPTIONS: '--max-old-space-size=321',
  // An outer trial's or katib-ts's own settings: never passed on.
  KATIB_TRIAL_NAME: 'outer-trial',
  KATIB_METRICS_FORMAT: '["junk"]',
  KATIB_DB_URL: 'sqlite:/nowhere.db',
};

describe('the environment of local trials', () => {
  let katib: LocalKatib;
  let cleanKatib: LocalKatib;
  const saved: Record<string, string | undefined> = {};
  let n = 0;
  before(async () => {
    for (const [k, v] of Object.entries(PARENT)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    katib = await startLocalKatib({
      db: `sqlite:${path.join(work, 'katib.db')}`,
      workRoot: path.join(work, 'a'),
    });
    cleanKatib = await startLocalKatib({
      db: `sqlite:${path.join(work, 'clean.db')}`,
      workRoot: path.join(work, 'b'),
      cleanEnv: true,
    });
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await katib?.close();
    await cleanKatib?.close();
  });

  /** Runs one Push trial; its environment, stored points and condition. */
  async function trialOf(
    on: LocalKatib,
    command: string[],
    options: { env?: { name: string; value: string }[]; annotation?: string } = {},
  ) {
    const e = experiment(`env-${++n}`, {
      command: [...command, '${trialParameters.x}'],
      parameters: [{ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['1'] } }],
      maxTrialCount: 1,
      metricsCollectorSpec: { collector: { kind: 'Push' } },
      ...(options.env ? { env: options.env } : {}),
    });
    if (options.annotation !== undefined)
      e.metadata.annotations = { 'katib-ts.kubeflow.org/clean-env': options.annotation };
    const { trials } = await runToEnd(on, e);
    const trial = trials[0]!;
    const root = on === katib ? path.join(work, 'a') : path.join(work, 'b');
    const dir = path.join(root, trial.experimentName, trial.name);
    let env: Record<string, string> = {};
    try {
      env = JSON.parse(readFileSync(path.join(dir, 'env.json'), 'utf8'));
    } catch {
      // the trial did not get as far
    }
    const points = (await on.db.observations.get(trial.name)).map((l) => `${l.name}=${l.value}`);
    const condition = trial.conditions.at(-1)!;
    const stderr = readFileSync(path.join(dir, 'stderr.log'), 'utf8');
    return { trial, env, points, condition: `${condition.type} ${condition.message} ${stderr}` };
  }

  it("a Push trial using Katib's kubeflow.katib report_metrics from the inherited PYTHONPATH works", async () => {
    const { trial, env, points, condition } = await trialOf(katib, ['python3', train]);
    assert.match(condition, /^Succeeded/);
    assert.deepEqual(points, ['loss=0.25']);
    const parts = env.PYTHONPATH!.split(':');
    assert.equal(parts.at(-1), standIn, 'the inherited PYTHONPATH is kept, last');
    assert.ok(parts.length >= 2, "katib-ts's python/ folder is put in front");
    for (const name of ['CUDA_VISIBLE_DEVICES', 'HF_HOME', 'LD_LIBRARY_PATH', 'AWS_PROFILE'])
      assert.equal(env[name], PARENT[name], name);
    assert.equal(env.KATIB_TRIAL_NAME, trial.name, "katib-ts's KATIB_TRIAL_NAME wins over the parent's");
    assert.equal(env.KATIB_METRICS_FORMAT, undefined, "the parent's other KATIB_* are not passed on");
    assert.equal(env.KATIB_DB_URL, undefined);
  });

  it("the container's env lays over the inherited one; katib-ts's KATIB_* win over both", async () => {
    const { trial, env, condition } = await trialOf(katib, ['python3', train], {
      env: [
        { name: 'HF_HOME', value: '/spec/hf' },
        { name: 'KATIB_TRIAL_NAME', value: 'spec-name' },
        { name: 'KATIB_PUSH_TIMEOUT', value: '5' },
      ],
    });
    assert.match(condition, /^Succeeded/);
    assert.equal(env.HF_HOME, '/spec/hf');
    assert.equal(env.CUDA_VISIBLE_DEVICES, PARENT.CUDA_VISIBLE_DEVICES);
    assert.equal(env.KATIB_TRIAL_NAME, trial.name);
    assert.equal(env.KATIB_PUSH_TIMEOUT, '5', 'KATIB_* that katib-ts does not set may come from the spec');
  });

  it("NODE_OPTIONS keeps the inherited options, with the Node shim's --import after them", async () => {
    const { env, points, condition } = await trialOf(katib, ['node', trainNode]);
    assert.match(condition, /^Succeeded/);
    assert.deepEqual(points, ['loss=0.5']);
    assert.match(env.NODE_OPTIONS!, /^--max-old-space-size=321 --import=file:\/\/.*node-preload\.mjs$/);
  });

  it('clean mode (the annotation) starts from the clean list: the stand-in is not found', async () => {
    const { env, condition } = await trialOf(katib, ['python3', train], { annotation: 'true' });
    assert.match(condition, /^Failed .*ModuleNotFoundError: No module named 'kubeflow'/s);
    assert.equal(env.HF_HOME, undefined);
  });

  it('clean mode (--clean-env) isolates; the container env still applies; "false" on the experiment wins', async () => {
    const node = await trialOf(cleanKatib, ['node', trainNode], {
      env: [{ name: 'HF_HOME', value: '/spec' }],
    });
    assert.match(node.condition, /^Succeeded/);
    assert.equal(node.env.HF_HOME, '/spec');
    for (const name of ['CUDA_VISIBLE_DEVICES', 'LD_LIBRARY_PATH', 'AWS_PROFILE', 'KATIB_DB_URL'])
      assert.equal(node.env[name], undefined, name);
    assert.equal(node.env.PATH, process.env.PATH);
    assert.match(node.env.NODE_OPTIONS!, /^--import=/, "no inherited NODE_OPTIONS, only the shim's");
    const inherit = await trialOf(cleanKatib, ['python3', train], { annotation: 'false' });
    assert.match(inherit.condition, /^Succeeded/);
    assert.equal(inherit.env.HF_HOME, PARENT.HF_HOME);
  });

  it('a bad annotation value is refused when the file is read, naming the field, value and rule', () => {
    assert.doesNotThrow(() => experimentWithAnnotation('true'));
    assert.throws(
      () => experimentWithAnnotation('maybe'),
      (err: unknown) =>
        err instanceof KatibError &&
        /metadata\.annotations\["katib-ts\.kubeflow\.org\/clean-env"\]: "maybe" must be "true" or "false"/.test(
          err.message,
        ),
    );
  });

  it('--clean-env, else KATIB_CLEAN_ENV (a bad value: exit 2 naming it)', async () => {
    const cleanEnv = async (argv: string[], env: Record<string, string> = {}) =>
      (await parseFlags<{ cleanEnv?: boolean }>(['run', 'x.yaml', ...argv], env)).cleanEnv === true;
    assert.equal(await cleanEnv(['--clean-env']), true);
    assert.equal(await cleanEnv([], { KATIB_CLEAN_ENV: 'yes' }), true);
    assert.equal(await cleanEnv([], { KATIB_CLEAN_ENV: 'false' }), false);
    assert.equal(await cleanEnv([]), false);
    await assert.rejects(cleanEnv([], { KATIB_CLEAN_ENV: 'maybe' }), /KATIB_CLEAN_ENV/);
  });

  it('katib run --clean-env: a trial of the built CLI does not see the shell it was started from', () => {
    const dir = path.join(work, 'cli');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'experiment.yaml');
    writeFileSync(
      file,
      `apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: clean-cli}
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: grid}
  maxTrialCount: 1
  metricsCollectorSpec: {collector: {kind: StdOut}}
  parameters:
    - {name: x, parameterType: discrete, feasibleSpace: {list: ["1"]}}
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
                image: busybox
                command: [sh, -c, 'echo "hf=$HF_HOME"; echo loss=\${trialParameters.x}']
`,
    );
    const run = (args: string[]) =>
      spawnSync(
        process.execPath,
        [
          CLI,
          'run',
          file,
          '-q',
          '--db',
          `sqlite:${path.join(dir, `${args.length}.db`)}`,
          '--work-dir',
          path.join(dir, String(args.length)),
          ...args,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, HF_HOME: '/from/shell' },
        },
      );
    const logOf = (sub: string) => {
      const root = path.join(dir, sub, 'clean-cli');
      return readFileSync(path.join(root, readdirSync(root)[0]!, 'stdout.log'), 'utf8');
    };
    const inherited = run([]);
    assert.equal(inherited.status, 0, inherited.stderr);
    assert.match(logOf('0'), /^hf=\/from\/shell$/m);
    const clean = run(['--clean-env']);
    assert.equal(clean.status, 0, clean.stderr);
    assert.match(logOf('1'), /^hf=$/m);
  });
});

/** An experiment document with the clean-env annotation, parsed as `katib run` does. */
function experimentWithAnnotation(value: string) {
  const e = experiment('with-annotation', { command: ['true', '${trialParameters.x}'] });
  return parseAgain({
    ...e,
    metadata: { ...e.metadata, annotations: { 'katib-ts.kubeflow.org/clean-env': value } },
  });
}

function parseAgain(doc: unknown) {
  const { status: _status, ...rest } = doc as Record<string, unknown>;
  return parseExperiment(rest, { knownAlgorithms: knownAlgorithms(), runner: 'local' });
}
