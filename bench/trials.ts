/**
 * Trials benchmark: what the controller costs per trial. Prints ONE JSON line; progress on stderr.
 *
 * The trial is the most trivial one a user could write that still reports a metric:
 * `sh -c 'echo loss=<x>'` with the StdOut collector (so the whole path runs: suggestion, trial
 * records, process group, output pipes and log files, line parsing, DB manager write, observation,
 * status). The experiment: random search, parallelTrialCount 8, embedded (startLocalKatib) on a
 * SQLite file, run from the build (dist/) in a child process, as `katib run` runs it.
 *
 *   trials                  1,000
 *   wall_s                  the controller's wall time for them (median of runs)
 *   xargs_wall_s            `seq 1000 | xargs -P 8 -n 1 sh -c 'echo loss=0.5' sh` (median of runs,
 *                           interleaved with the controller's in the same run)
 *   ratio_vs_xargs          wall_s / xargs_wall_s (target <= 1.25)
 *   controller_rss_mb_10k   the controller process's RSS (VmRSS) once 10,000 trials have finished
 *                           (target <= 200 MB); controller_peak_rss_mb_10k its VmHWM
 *   ms_per_trial_*, cpu_ms_per_trial  where the time goes (see below); the controller's CPU
 *                           includes its spawn helper process's (spawn_helper_cpu_ms_per_trial)
 *
 * Run: `npm run bench:trials` (builds first). BENCH_TRIALS, BENCH_TRIALS_10K, BENCH_ROUNDS
 * shrink or grow the runs; BENCH_CPU_PROF=DIR writes a V8 CPU profile of each controller run there.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TRIALS = Number(process.env.BENCH_TRIALS ?? 1000);
const TRIALS_10K = Number(process.env.BENCH_TRIALS_10K ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PARALLEL = 8;

const progress = (message: string): void => void process.stderr.write(`bench:trials ${message}\n`);
const round = (n: number, digits = 0): number => Number(n.toFixed(digits));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The controller side, run in its own process from dist/: one experiment of `trials` trials,
 * then a JSON line with its figures, then it waits (so its RSS can be read) until stdin closes.
 */
const CHILD = `
import { startLocalKatib } from ${JSON.stringify(new URL('dist/manager/index.js', `file://${ROOT}`).href)};
import { parseExperiment } from ${JSON.stringify(new URL('dist/spec/index.js', `file://${ROOT}`).href)};
import { knownAlgorithms } from ${JSON.stringify(new URL('dist/suggestion/index.js', `file://${ROOT}`).href)};
const { db, workRoot, trials, parallel } = JSON.parse(process.env.BENCH_CONFIG);
const katib = await startLocalKatib({ db, workRoot });
const experiment = parseExperiment({
  apiVersion: 'kubeflow.org/v1beta1', kind: 'Experiment', metadata: { name: 'bench' },
  spec: {
    objective: { type: 'minimize', objectiveMetricName: 'loss' },
    algorithm: { algorithmName: 'random', algorithmSettings: [{ name: 'random_state', value: '1' }] },
    parallelTrialCount: parallel, maxTrialCount: trials,
    parameters: [{ name: 'x', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }],
    trialTemplate: {
      primaryContainerName: 'trial', trialParameters: [{ name: 'x', reference: 'x' }],
      trialSpec: { apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: {
        containers: [{ name: 'trial', command: ['sh', '-c', 'echo loss=\${trialParameters.x}'] }] } } } },
    },
  },
}, { knownAlgorithms: knownAlgorithms(), runner: 'local' });
await katib.experiments.createExperiment(experiment);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let ended = 0;
const final = await katib.controller({
  onEvent: (e) => {
    if (e.type === 'trial-ended' && ++ended % 1000 === 0) process.stderr.write('  ' + ended + ' trials\\n');
  },
}).run('bench');
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({
  wall_s: wall, cpu_ms: (cpu.user + cpu.system) / 1000,
  trials: final.status.trials, succeeded: final.status.trialsSucceeded,
}) + '\\n');
process.stdin.resume();
await new Promise((resolve) => process.stdin.on('end', resolve));
await katib.close();
`;

/**
 * The floor for any runner written in Node: the same processes started 8 at a time by a bare Node
 * process with the local runner's spawn options (own process group, stdout/stderr piped and read).
 */
const SPAWN_FLOOR = `
import { spawn } from 'node:child_process';
const { trials, parallel } = JSON.parse(process.env.BENCH_CONFIG);
const t0 = performance.now();
let started = 0;
let done = 0;
await new Promise((resolve) => {
  const next = () => {
    if (started === trials) return done === trials && resolve();
    started++;
    const child = spawn('sh', ['-c', 'echo loss=0.5'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.on('close', () => { done++; next(); });
  };
  for (let i = 0; i < parallel; i++) next();
});
process.stdout.write(JSON.stringify({ wall_s: (performance.now() - t0) / 1000 }) + '\\n');
`;

interface ChildFigures {
  wall_s: number;
  /** The controller's CPU, its spawn helper's included. */
  cpu_ms: number;
  /** Of which the spawn helper process's (started with the run, so all of it is the run's). */
  helper_cpu_ms: number;
  trials: number;
  succeeded: number;
  rss_mb: number;
  peak_rss_mb: number;
  /** CPU ms per trial by part, from the V8 profile (BENCH_CPU_PROF). */
  profile?: Record<string, number>;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Which part of katib-ts (or Node) a stack frame belongs to; undefined for frames that say nothing. */
function partOf(frame: { functionName: string; url: string }): string | undefined {
  const { functionName: fn, url } = frame;
  if (url.includes('child_process') && /spawn/i.test(fn)) return 'spawn';
  if (url.includes('/dist/suggestion/')) return 'suggestion';
  if (url.includes('better-sqlite3') || url.includes('/kysely/') || url.includes('/dist/store/'))
    return 'store';
  if (url.includes('/dist/runner/')) return 'runner (files, pipes, process group)';
  if (url.includes('/dist/collector/')) return 'collector';
  if (url.includes('/dist/dbmanager/')) return 'db manager write path';
  if (url.includes('/dist/spec/')) return 'template substitution';
  if (url.includes('/dist/controller/')) return 'controller';
  if (fn === '(garbage collector)') return 'gc';
  if (fn === '(idle)') return 'idle';
  return undefined;
}

/**
 * CPU time per trial by part: each sample goes to the part of its innermost frame that has one
 * (a native fs call made by the runner counts as runner), else `node internals` (event loop,
 * streams, module loading).
 */
function profileBreakdown(file: string, trials: number): Record<string, number> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const partCache = new Map<number, string>();
  const part = (id: number): string => {
    const cached = partCache.get(id);
    if (cached) return cached;
    let found: string | undefined;
    for (let at: number | undefined = id; at !== undefined && !found; at = parentOf.get(at)) {
      found = partOf(byId.get(at)!.callFrame);
    }
    partCache.set(id, found ?? 'node internals');
    return found ?? 'node internals';
  };
  const us = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const p = part(id);
    us.set(p, (us.get(p) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return Object.fromEntries(
    [...us].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v / 1000 / trials, 3)]),
  );
}

/**
 * CPU ms used so far by the direct children of `pid` (the local runner's spawn helper; trial
 * processes are its children, not the controller's), from /proc: work the controller hands off.
 */
function childrenCpuMs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    for (const child of children ? children.split(' ') : []) {
      try {
        const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // fields[11], fields[12]: utime, stime in clock ticks (USER_HZ, 100 on Linux).
        total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      } catch {
        // gone meanwhile
      }
    }
  }
  return total;
}

/** Memory of `pid` in MB from /proc/PID/status (VmRSS, VmHWM). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function controllerRun(trials: number): Promise<ChildFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'katib-bench-trials-'));
  try {
    const profileDir = process.env.BENCH_CPU_PROF;
    const profileName = `controller-${trials}-${process.pid}-${Date.now()}.cpuprofile`;
    const profile = profileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${profileName}`]
      : [];
    const child = spawn(process.execPath, [...profile, '--input-type=module', '-e', CHILD], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? dir,
        BENCH_CONFIG: JSON.stringify({
          db: `sqlite:${join(dir, 'katib.db')}`,
          workRoot: join(dir, 'work'),
          trials,
          parallel: PARALLEL,
        }),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const line = await lines.next();
    if (line.done) throw new Error(`the controller child exited early: ${JSON.stringify(await exited)}`);
    const figures = JSON.parse(line.value) as Omit<ChildFigures, 'rss_mb' | 'peak_rss_mb' | 'helper_cpu_ms'>;
    const memory = memoryOf(child.pid!);
    const helperCpuMs = childrenCpuMs(child.pid!);
    child.stdin!.end();
    const [code] = await exited;
    if (code !== 0) throw new Error(`the controller child exited with ${code}`);
    if (figures.succeeded !== trials)
      throw new Error(`${figures.succeeded} of ${trials} trials succeeded: the bench measured failures`);
    const result: ChildFigures = {
      ...figures,
      cpu_ms: figures.cpu_ms + helperCpuMs,
      helper_cpu_ms: helperCpuMs,
      rss_mb: memory.rss,
      peak_rss_mb: memory.peak,
    };
    if (profileDir) result.profile = profileBreakdown(join(profileDir, profileName), trials);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function spawnFloorRun(trials: number): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SPAWN_FLOOR], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      BENCH_CONFIG: JSON.stringify({ trials, parallel: PARALLEL }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the spawn floor child exited with ${code}`);
  return (JSON.parse(out) as { wall_s: number }).wall_s;
}

/** The same processes with no controller: xargs starts `trials` of them, 8 at a time. */
async function xargsRun(trials: number): Promise<number> {
  const t0 = performance.now();
  const child = spawn('sh', ['-c', `seq ${trials} | xargs -P ${PARALLEL} -n 1 sh -c 'echo loss=0.5' sh`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Read the output, as the controller does, rather than sending it to /dev/null.
  child.stdout!.resume();
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`xargs exited with ${code}`);
  return (performance.now() - t0) / 1000;
}

const xargs: number[] = [];
const floor: number[] = [];
const controller: ChildFigures[] = [];
progress(
  `${TRIALS} trials, parallelTrialCount ${PARALLEL}, ${ROUNDS} rounds (xargs, controller, ..., xargs)`,
);
xargs.push(await xargsRun(TRIALS));
for (let i = 0; i < ROUNDS; i++) {
  progress(`round ${i + 1}: controller`);
  controller.push(await controllerRun(TRIALS));
  progress(`round ${i + 1}: xargs`);
  xargs.push(await xargsRun(TRIALS));
  progress(`round ${i + 1}: bare Node spawn loop`);
  floor.push(await spawnFloorRun(TRIALS));
}
progress(`${TRIALS_10K} trials for the controller's RSS`);
const big = await controllerRun(TRIALS_10K);

const wall = median(controller.map((c) => c.wall_s));
const xargsWall = median(xargs);
process.stdout.write(
  `${JSON.stringify({
    trials: TRIALS,
    wall_s: round(wall, 3),
    xargs_wall_s: round(xargsWall, 3),
    ratio_vs_xargs: round(wall / xargsWall, 3),
    node_spawn_wall_s: round(median(floor), 3),
    node_spawn_ratio_vs_xargs: round(median(floor) / xargsWall, 3),
    controller_rss_mb_10k: round(big.rss_mb, 1),
    controller_peak_rss_mb_10k: round(big.peak_rss_mb, 1),
    trials_10k: big.trials,
    wall_s_10k: round(big.wall_s, 2),
    ms_per_trial: round((wall * 1000) / TRIALS, 3),
    xargs_ms_per_trial: round((xargsWall * 1000) / TRIALS, 3),
    controller_cpu_ms_per_trial: round(median(controller.map((c) => c.cpu_ms)) / TRIALS, 3),
    controller_cpu_ms_per_trial_10k: round(big.cpu_ms / big.trials, 3),
    spawn_helper_cpu_ms_per_trial: round(median(controller.map((c) => c.helper_cpu_ms)) / TRIALS, 3),
    ...(controller[0]?.profile ? { profile_ms_per_trial: controller[0].profile } : {}),
    ...(big.profile ? { profile_ms_per_trial_10k: big.profile } : {}),
  })}\n`,
);
