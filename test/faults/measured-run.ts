/**
 * `katib run` as a user runs it (the built CLI), with its peak RSS: a preload prints it at exit
 * (fixtures/report-peak-rss.mjs through NODE_OPTIONS, which trials do not inherit).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Ended, KatibProcess } from '../e2e/cli.js';
import { double, trialParameter, writeExperiment } from '../support/fixtures.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const PRELOAD = join(FIXTURES, 'report-peak-rss.mjs');

export interface MeasuredRun extends Ended {
  peakRssMb: number;
}

/** Runs `katib ARGS` to its end; rejects if it printed no peak RSS (it died by a signal). */
export async function katibMeasured(args: string[], cwd: string): Promise<MeasuredRun> {
  const ended = await new KatibProcess(args, { cwd, env: { NODE_OPTIONS: `--import=${PRELOAD}` } }).ended;
  const kb = /peak_rss_kb=(\d+)/.exec(ended.stderr)?.[1];
  if (kb === undefined)
    throw new Error(`katib ${args.join(' ')}: no peak RSS (${ended.signal ?? ended.code}): ${ended.stderr}`);
  return { ...ended, peakRssMb: Math.round(Number(kb) / 1024) };
}

/** Writes a one-trial Experiment running `command` with `collector` to DIR/NAME.yaml; returns the path. */
export function oneTrialExperiment(dir: string, name: string, collector: string, command: string[]): string {
  return writeExperiment(dir, {
    name,
    collector,
    parameters: [double('x', 0, 1)],
    command: [...command, trialParameter('x')],
  });
}
