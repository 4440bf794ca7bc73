/**
 * Search-algorithm benchmark: `npm run bench:algorithms` prints ONE JSON line on stdout
 * (progress goes to stderr):
 * - `regret.<algorithm>.<function>`: minimising each benchmark function (bench/functions) with
 *   100 trials, one at a time through the in-process ask-and-tell study, the median over seeds
 *   (random_state 0..9) of the best value's regret to the known optimum;
 * - `ms_per_suggest_1000.<algorithm>`: one suggestion (count 1) with 1,000 finished trials of 6
 *   double parameters in the history, median of repeated calls;
 * - `seeds.<algorithm>`: seeds run (fewer than 10 only for an algorithm too slow for the time
 *   budget), `skipped.<algorithm>[.<function>]`: why a pair did not run.
 * Every registered algorithm runs, so new ones appear by themselves; hyperband is skipped (it
 * schedules resources, it is not a black-box optimiser).
 * - `regret.pbt.schedule` / `regret.random.schedule`: PBT against random search on the schedule
 *   problem (bench/functions/schedule.ts: the best learning rate changes over training time) at
 *   the same total training steps, median over seeds 0..9; `wins.pbt.schedule`: on how many of
 *   the 10 seeds pbt's regret is below random's (target: at least 8). PBT runs only there: it
 *   trains from checkpoints, it is not a black-box optimiser.
 */

import { KatibError } from '../src/api/errors.js';
import type { Experiment, Setting } from '../src/api/experiment.js';
import type { Trial } from '../src/api/trial.js';
import { getSuggester, knownAlgorithms, RandomSuggester } from '../src/suggestion/index.js';
import { hartmann6 } from './functions/hartmann6.js';
import { BENCH_FUNCTIONS, type BenchFunction, minimize } from './functions/index.js';
import { scheduleRegret, TOTAL_STEPS } from './functions/schedule.js';

const TRIALS = 100;
const SEEDS = 10;
const MIN_SEEDS = 3;
/** Seconds one algorithm may take over all functions before it runs fewer seeds. */
const BUDGET_SECONDS = Number(process.env.BENCH_ALGORITHM_BUDGET_SECONDS ?? 150);
const NOT_BLACK_BOX: Record<string, string> = {
  hyperband: 'not a black-box optimiser (schedules a resource parameter)',
  pbt: 'not a black-box optimiser (trains from checkpoints): see regret.pbt.schedule',
};

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** The reason the algorithm refuses the function's space, or undefined when it accepts it. */
function refusal(algorithm: string, fn: BenchFunction): string | undefined {
  const experiment = experimentFor(algorithm, fn.parameters);
  try {
    getSuggester(algorithm).validateSettings(experiment);
    return undefined;
  } catch (err) {
    if (err instanceof KatibError) return err.message.split('; ')[0]!.slice(0, 200);
    throw err;
  }
}

function experimentFor(algorithm: string, parameters: Experiment['spec']['parameters']): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'bench' },
    spec: {
      parameters,
      objective: {
        type: 'minimize',
        objectiveMetricName: 'loss',
        additionalMetricNames: [],
        metricStrategies: [{ name: 'loss', value: 'min' }],
      },
      algorithm: { algorithmName: algorithm, algorithmSettings: [] },
      parallelTrialCount: 1,
      trialTemplate: { trialParameters: [], trialSpec: {} },
      metricsCollectorSpec: { collector: { kind: 'Push' } },
      resumePolicy: 'Never',
    },
  };
}

function finishedTrial(index: number, assignments: Setting[], value: number): Trial {
  const time = new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toISOString();
  const text = String(value);
  return {
    name: `bench-${index}`,
    experimentName: 'bench',
    parameterAssignments: assignments,
    labels: {},
    conditions: [
      {
        type: 'Created',
        status: 'True',
        reason: 'TrialCreated',
        message: '',
        lastUpdateTime: time,
        lastTransitionTime: time,
      },
      {
        type: 'Succeeded',
        status: 'True',
        reason: 'TrialSucceeded',
        message: '',
        lastUpdateTime: time,
        lastTransitionTime: time,
      },
    ],
    startTime: time,
    completionTime: time,
    observation: { metrics: [{ name: 'loss', min: text, max: text, latest: text }] },
  };
}

/** 1,000 finished random trials over Hartmann6's 6 doubles. */
function history1000(): Trial[] {
  const experiment = experimentFor('random', hartmann6.parameters);
  const suggestions = new RandomSuggester().suggest({ experiment, trials: [], count: 1000 });
  return suggestions.map((s, i) => {
    const values = Object.fromEntries(s.assignments.map((a) => [a.name, Number(a.value)]));
    return finishedTrial(i, s.assignments, hartmann6.evaluate(values));
  });
}

function msPerSuggest(algorithm: string, trials: readonly Trial[]): number {
  const experiment = experimentFor(algorithm, hartmann6.parameters);
  const suggester = getSuggester(algorithm);
  suggester.suggest({ experiment, trials, count: 1 }); // warm-up (JIT)
  const times: number[] = [];
  const started = performance.now();
  while (times.length < 25 && (times.length < 3 || performance.now() - started < 2000)) {
    const t0 = performance.now();
    suggester.suggest({ experiment, trials, count: 1 });
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** PBT against random search on the schedule problem, at equal total training steps. */
function scheduleFigures(out: Record<string, number | string>): void {
  const pbt: number[] = [];
  const random: number[] = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    pbt.push(scheduleRegret('pbt', seed));
    random.push(scheduleRegret('random', seed));
  }
  out['regret.pbt.schedule'] = round(median(pbt));
  out['regret.random.schedule'] = round(median(random));
  out['wins.pbt.schedule'] = pbt.filter((p, i) => p < random[i]!).length;
  out['steps.schedule'] = TOTAL_STEPS;
  log(
    `schedule (${TOTAL_STEPS} training steps each): regret pbt ${pbt.map(round).join(' ')}; random ${random.map(round).join(' ')}`,
  );
}

function main(): void {
  const out: Record<string, number | string> = { trials: TRIALS };
  const history = history1000();
  const started = performance.now();
  for (const algorithm of knownAlgorithms()) {
    const why = NOT_BLACK_BOX[algorithm];
    if (why !== undefined) {
      out[`skipped.${algorithm}`] = why;
      log(`${algorithm}: skipped, ${why}`);
      continue;
    }
    const functions = BENCH_FUNCTIONS.filter((fn) => {
      const reason = refusal(algorithm, fn);
      if (reason !== undefined) {
        out[`skipped.${algorithm}.${fn.name}`] = reason;
        log(`${algorithm} ${fn.name}: skipped, ${reason}`);
      }
      return reason === undefined;
    });
    if (functions.length === 0) continue;
    // Seed 0 of every function first: it tells how many seeds fit the budget.
    const regrets = new Map<string, number[]>(functions.map((fn) => [fn.name, []]));
    const t0 = performance.now();
    for (const fn of functions)
      regrets.get(fn.name)!.push(minimize(fn, { algorithm, trials: TRIALS, seed: 0 }));
    const perSeed = (performance.now() - t0) / 1000;
    const seeds = Math.max(MIN_SEEDS, Math.min(SEEDS, Math.floor(BUDGET_SECONDS / Math.max(perSeed, 1e-9))));
    out[`seeds.${algorithm}`] = seeds;
    log(
      `${algorithm}: ${perSeed.toFixed(1)} s per seed over ${functions.length} functions, running ${seeds} seeds`,
    );
    for (let seed = 1; seed < seeds; seed++) {
      for (const fn of functions)
        regrets.get(fn.name)!.push(minimize(fn, { algorithm, trials: TRIALS, seed }));
    }
    for (const fn of functions) {
      const value = round(median(regrets.get(fn.name)!));
      out[`regret.${algorithm}.${fn.name}`] = value;
      log(`  regret.${algorithm}.${fn.name} = ${value}`);
    }
    const refusedSpeed = refusal(algorithm, hartmann6);
    if (refusedSpeed === undefined) {
      const ms = round(msPerSuggest(algorithm, history));
      out[`ms_per_suggest_1000.${algorithm}`] = ms;
      log(`  ms_per_suggest_1000.${algorithm} = ${ms}`);
    }
  }
  scheduleFigures(out);
  out.total_seconds = Math.round((performance.now() - started) / 1000);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main();
