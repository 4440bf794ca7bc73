/**
 * Push collection reaches programs started by other programs (shell wrappers, `exec`, `python -m`,
 * a virtualenv's interpreter, multiprocessing workers, subprocess children, Node child processes),
 * and each point is stored once whatever mix of explicit pushes and automatic captures a trial
 * uses. Every case runs through the real controller and local runner twice, as a Push and as a
 * StdOut experiment, and the two must store the same (metric, value) sequence. SQLite always;
 * MariaDB and PostgreSQL when KATIB_TEST_MYSQL_URL / KATIB_TEST_POSTGRES_URL are set. The Node
 * cases that call reportMetrics import dist/ (`npm run build` first).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { experiment, runToEnd } from '../controller/harness.js';
import { testDatabases } from '../support/databases.js';

const REPORT_MODULE = pathToFileURL(
  fileURLToPath(new URL('../../dist/sdk/report/index.js', import.meta.url)),
).href;

const TRAIN = `import sys
for i in range(3):
    print(f"epoch {i}: loss={0.5 / (i + 1):.4f} accuracy={0.1 * (i + 1):.2f}", flush=True)
`;

/** The scripts the cases run, written into `dir`. */
function writeScripts(dir: string): void {
  const files: Record<string, string> = {
    'train.py': TRAIN,
    'pkg/__init__.py': '',
    'pkg/train.py': TRAIN,
    'run.sh': '#!/bin/sh\nset -e\necho "starting"\npython3 "$(dirname "$0")/train.py"\n',
    'exec.sh': '#!/bin/sh\nexec python3 "$(dirname "$0")/train.py"\n',
    'mp_fork.py': `import multiprocessing as mp
def work(i):
    print(f"loss={0.5 / (i + 1):.4f} accuracy={0.1 * (i + 1):.2f}", flush=True)
if __name__ == "__main__":
    mp.set_start_method("fork")
    for i in range(3):
        p = mp.Process(target=work, args=(i,))
        p.start()
        p.join()
`,
    'mp_spawn.py': `import multiprocessing as mp
def work(i):
    print(f"loss={0.5 / (i + 1):.4f} accuracy={0.1 * (i + 1):.2f}", flush=True)
if __name__ == "__main__":
    mp.set_start_method("spawn")
    for i in range(3):
        p = mp.Process(target=work, args=(i,))
        p.start()
        p.join()
`,
    'parent.py': `import os, subprocess, sys
print("parent starts", flush=True)
subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "train.py")], check=True)
`,
    'parent.mjs': `import { spawnSync } from 'node:child_process';
console.log('parent starts');
spawnSync(process.execPath, [new URL('./child.mjs', import.meta.url).pathname], { stdio: 'inherit' });
`,
    'child.mjs': `for (let i = 0; i < 3; i++) console.log(\`epoch \${i}: loss=\${(0.5 / (i + 1)).toFixed(4)} accuracy=\${(0.1 * (i + 1)).toFixed(2)}\`);
`,
    // Explicit pushes beside prints of the same metrics (the once-only rule).
    'push_and_print.py': `from katib_push import report_metrics
for i in range(3):
    loss = 0.5 / (i + 1) + 0.00001234
    report_metrics({"loss": loss, "accuracy": 0.1 * (i + 1)})
    print(f"epoch {i}: loss={loss:.4f} accuracy={0.1 * (i + 1):.2f}", flush=True)
`,
    'push_then_child.py': `import os, subprocess, sys
from katib_push import report_metrics
for i in range(3):
    loss = 0.5 / (i + 1) + 0.00001234
    report_metrics({"loss": loss})
    print(f"epoch {i}: loss={loss:.4f}", flush=True)
child = "for i in range(3): print(f'accuracy={0.1 * (i + 1):.2f}', flush=True)"
subprocess.run([sys.executable, "-c", child], check=True)
`,
    'wrap_push.sh': '#!/bin/sh\npython3 "$(dirname "$0")/push_and_print.py"\n',
    'curl_and_echo.sh': `#!/bin/sh
for v in 0.51234 0.41234 0.31234; do
  curl -sf -X POST -H 'Content-Type: application/json' \\
    "http://$KATIB_DB_MANAGER_HTTP_ADDRESS/api.v1.beta1.DBManager/ReportObservationLog" \\
    -d "{\\"trialName\\":\\"$KATIB_TRIAL_NAME\\",\\"observationLog\\":{\\"metricLogs\\":[{\\"metric\\":{\\"name\\":\\"loss\\",\\"value\\":\\"$v\\"}}]}}" >/dev/null
  echo "loss=$(echo $v | cut -c1-4)"
done
`,
    'push_and_log.mjs': `import { reportMetrics } from ${JSON.stringify(REPORT_MODULE)};
for (let i = 0; i < 3; i++) {
  const loss = 0.5 / (i + 1) + 0.00001234;
  await reportMetrics({ loss });
  console.log(\`epoch \${i}: loss=\${loss.toFixed(4)}\`);
}
`,
  };
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    if (name.endsWith('.sh')) chmodSync(file, 0o755);
  }
}

const EXPECTED_TRAIN = [
  ['loss', '0.5000'],
  ['accuracy', '0.10'],
  ['loss', '0.2500'],
  ['accuracy', '0.20'],
  ['loss', '0.1667'],
  ['accuracy', '0.30'],
];

const work = mkdtempSync(path.join(tmpdir(), 'katib-launchers-'));
const src = path.join(work, 'src');
writeScripts(src);
const venv = path.join(work, 'venv');
after(() => rmSync(work, { recursive: true, force: true }));

interface Case {
  name: string;
  command: (src: string) => string[];
  env?: (src: string) => { name: string; value: string }[];
  /** The stored sequence both runs must give (default: train.py's). */
  expected?: string[][];
  objective?: string[];
  /** Known not to hold yet: run and reported, not failing the suite. */
  todo?: string;
}

const python = (file: string) => (s: string) => ['python3', path.join(s, file), '${trialParameters.x}'];

const REACH: Case[] = [
  { name: 'a script named in the command (the reference)', command: python('train.py') },
  {
    name: 'a shell wrapper file (./run.sh runs python3 train.py)',
    command: (s) => [path.join(s, 'run.sh'), '${trialParameters.x}'],
  },
  { name: 'bash run.sh', command: (s) => ['bash', path.join(s, 'run.sh'), '${trialParameters.x}'] },
  { name: 'exec python3 in a wrapper', command: (s) => [path.join(s, 'exec.sh'), '${trialParameters.x}'] },
  {
    name: 'sh -c "exec python3 train.py"',
    command: (s) => ['sh', '-c', `exec python3 ${path.join(s, 'train.py')} \${trialParameters.x}`],
  },
  {
    name: 'python -m pkg.train, the package on PYTHONPATH from the spec',
    command: () => ['python3', '-m', 'pkg.train', '${trialParameters.x}'],
    env: (s) => [{ name: 'PYTHONPATH', value: s }],
  },
  {
    name: "a virtualenv's interpreter (--system-site-packages)",
    command: (s) => [path.join(venv, 'bin', 'python'), path.join(s, 'train.py'), '${trialParameters.x}'],
  },
  {
    name: "a virtualenv's interpreter started by a wrapper",
    command: (s) => [
      'sh',
      '-c',
      `${path.join(venv, 'bin', 'python3')} ${path.join(s, 'train.py')} \${trialParameters.x}`,
    ],
  },
  {
    name: 'multiprocessing workers (fork)',
    command: python('mp_fork.py'),
    // A forked worker inherits the client with its sender thread gone and ends with os._exit, which
    // runs no atexit: its points are lost until katib_push_client.py resets itself after a fork
    // (os.register_at_fork) and flushes in multiprocessing's exit (util.Finalize).
    todo: 'forked multiprocessing workers lose their pushes (see docs/running-experiments.md)',
  },
  { name: 'multiprocessing workers (spawn)', command: python('mp_spawn.py') },
  { name: 'a subprocess child', command: python('parent.py') },
  {
    name: 'a Node child process',
    command: (s) => ['node', path.join(s, 'parent.mjs'), '${trialParameters.x}'],
  },
];

const PUSHED = (values: string[], metric = 'loss') => values.map((v) => [metric, v]);
const PY_EXPLICIT = [0.5, 0.25, 0.5 / 3].flatMap((l, i) => [
  ['loss', String(l + 0.00001234)],
  ['accuracy', String(0.1 * (i + 1))],
]);

const ONCE: Case[] = [
  {
    name: 'train.py pushes with katib_push and prints the same metrics',
    command: python('push_and_print.py'),
    expected: PY_EXPLICIT,
  },
  {
    name: 'train.py pushes loss itself and its child prints accuracy',
    command: python('push_then_child.py'),
    expected: [
      ...[0.5, 0.25, 0.5 / 3].map((l) => ['loss', String(l + 0.00001234)]),
      ['accuracy', '0.10'],
      ['accuracy', '0.20'],
      ['accuracy', '0.30'],
    ],
  },
  {
    name: 'a wrapper runs that train.py',
    command: (s) => [path.join(s, 'wrap_push.sh'), '${trialParameters.x}'],
    expected: PY_EXPLICIT,
  },
  {
    name: 'a shell trial pushes with curl and echoes the metric',
    command: (s) => [path.join(s, 'curl_and_echo.sh'), '${trialParameters.x}'],
    expected: PUSHED(['0.51234', '0.41234', '0.31234']),
    objective: ['loss'],
  },
  {
    name: 'a Node trial calls reportMetrics and console.log',
    command: (s) => ['node', path.join(s, 'push_and_log.mjs'), '${trialParameters.x}'],
    expected: PUSHED([0.5, 0.25, 0.5 / 3].map((l) => String(l + 0.00001234))),
    objective: ['loss'],
  },
];

for (const database of await testDatabases()) {
  describe(`launchers and once-only on ${database.label}`, { skip: database.skipReason }, () => {
    if (database.skipReason !== undefined) return;
    let katib: LocalKatib;
    let n = 0;
    before(async () => {
      katib = await startLocalKatib({
        db: await database.fresh(),
        workRoot: path.join(work, database.dialect),
      });
      try {
        execFileSync('python3', ['-m', 'venv', '--system-site-packages', '--without-pip', venv], {
          stdio: 'ignore',
        });
      } catch {
        // made by an earlier database's suite
      }
    });
    after(() => katib?.close());

    /** Runs `c` as a one-trial experiment with the collector `kind`; its stored sequence. */
    async function stored(c: Case, kind: 'Push' | 'StdOut'): Promise<{ seq: string[][]; dir: string }> {
      const [objective, ...additional] = c.objective ?? ['loss', 'accuracy'];
      const e = experiment(`launch-${kind.toLowerCase()}-${++n}`, {
        command: c.command(src),
        ...(c.env ? { env: c.env(src) } : {}),
        parameters: [{ name: 'x', parameterType: 'discrete', feasibleSpace: { list: ['1'] } }],
        objective: { type: 'minimize', objectiveMetricName: objective, additionalMetricNames: additional },
        maxTrialCount: 1,
        metricsCollectorSpec: { collector: { kind } },
      });
      const { trials } = await runToEnd(katib, e);
      const trial = trials[0]!;
      const dir = path.join(work, database.dialect, trial.experimentName, trial.name);
      const seq = (await katib.db.observations.get(trial.name)).map((l) => [l.name, l.value]);
      const state = trial.conditions.at(-1);
      assert.equal(
        state?.type,
        'Succeeded',
        `${kind}: ${state?.reason} ${state?.message}\nstderr: ${readFileSync(path.join(dir, 'stderr.log'), 'utf8')}`,
      );
      return { seq, dir };
    }

    for (const c of [...REACH, ...ONCE]) {
      it(`${c.name}: Push stores what StdOut stores`, c.todo ? { todo: c.todo } : {}, async () => {
        const pull = await stored(c, 'StdOut');
        const push = await stored(c, 'Push');
        const expected = c.expected ?? EXPECTED_TRAIN;
        assert.deepEqual(pull.seq, expected, 'StdOut');
        assert.deepEqual(
          push.seq,
          expected,
          `Push (injection: ${readFileSync(path.join(push.dir, 'injection.txt'), 'utf8')})`,
        );
      });
    }
  });
}
