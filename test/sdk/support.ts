import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentCondition } from '../../src/api/conditions.js';
import { KatibError } from '../../src/api/errors.js';
import type { Condition, Experiment } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';
import { KatibClient, search } from '../../src/sdk/index.js';

/** A fresh folder under the OS temp dir (outside the project: trials must not depend on being inside it). */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An embedded client on a fresh SQLite file, its trials' folders in the temp dir. */
export function embeddedClient(dir: string): KatibClient {
  return new KatibClient({ db: `sqlite:${join(dir, 'katib.db')}`, workDir: join(dir, 'work') });
}

/** The seed's example (issue 4, item 6): 4a - b^2 over a in [10, 20], b in [0.1, 0.2], 12 trials. */
export const SEED_PARAMETERS = {
  a: search.int({ min: 10, max: 20 }),
  b: search.double({ min: 0.1, max: 0.2 }),
};

/** The current condition of an experiment or trial. */
export function state(x: Experiment | Trial): string | undefined {
  const conditions: Condition[] = 'experimentName' in x ? x.conditions : (x.status?.conditions ?? []);
  return currentCondition(conditions)?.type;
}

/** Checks a finished seed experiment: 12 Succeeded trials, each observed as 4a - b^2, the best one optimal. */
export function assertSeedResult(experiment: Experiment, trials: readonly Trial[]): void {
  assert.equal(state(experiment), 'Succeeded', JSON.stringify(experiment.status?.conditions));
  assert.equal(trials.length, 12);
  let best = Number.NEGATIVE_INFINITY;
  for (const t of trials) {
    assert.equal(state(t), 'Succeeded', JSON.stringify(t.conditions));
    const a = Number(t.parameterAssignments.find((p) => p.name === 'a')?.value);
    const b = Number(t.parameterAssignments.find((p) => p.name === 'b')?.value);
    assert.ok(Number.isInteger(a) && a >= 10 && a <= 20, `a=${a}`);
    assert.ok(b >= 0.1 && b <= 0.2, `b=${b}`);
    const result = t.observation?.metrics.find((m) => m.name === 'result');
    assert.ok(result, JSON.stringify(t.observation));
    assert.ok(
      Math.abs(Number(result.latest) - (4 * a - b ** 2)) < 1e-9,
      `${result.latest} vs ${4 * a - b ** 2}`,
    );
    best = Math.max(best, Number(result.latest));
  }
  const optimal = experiment.status?.currentOptimalTrial;
  assert.ok(optimal);
  assert.equal(Number(optimal.observation.metrics.find((m) => m.name === 'result')?.max), best);
}

/** A Katib Experiment whose trial is a one-line Node command printing `loss=x/10` (StdOut). */
export function commandExperiment(
  name: string,
  o: { maxTrialCount: number; parallelTrialCount?: number; resumePolicy?: string; sleep?: number },
) {
  const code = `setTimeout(() => console.log("loss=" + Number(process.argv[1]) / 10), ${(o.sleep ?? 0) * 1000})`;
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name },
    spec: {
      objective: { type: 'minimize', objectiveMetricName: 'loss' },
      algorithm: { algorithmName: 'random' },
      maxTrialCount: o.maxTrialCount,
      parallelTrialCount: o.parallelTrialCount ?? 1,
      ...(o.resumePolicy ? { resumePolicy: o.resumePolicy } : {}),
      parameters: [{ name: 'x', parameterType: 'int', feasibleSpace: { min: '1', max: '9' } }],
      trialTemplate: {
        trialParameters: [{ name: 'x', reference: 'x' }],
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'main', command: [process.execPath, '-e', code, '${trialParameters.x}'] },
                ],
                restartPolicy: 'Never',
              },
            },
          },
        },
      },
    },
  };
}

export async function assertKatibError(
  promise: Promise<unknown>,
  code: string,
  field?: string,
): Promise<KatibError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof KatibError, `not a KatibError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (field !== undefined) assert.equal(err.field, field, err.message);
    return err;
  }
  assert.fail(`expected a KatibError ${code}`);
}
