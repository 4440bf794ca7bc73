/**
 * PBT end to end on every database: examples/pbt as a user runs it (copied to a temp folder, the
 * Experiment file's folder), real Node trial processes that resume from the checkpoint PBT copied
 * from their parent into their own folder and save theirs there.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { loadExperimentFile } from '../../src/spec/index.js';
import { knownAlgorithms, PBT_GENERATION_LABEL, PBT_PARENT_LABEL } from '../../src/suggestion/index.js';
import { testDatabases } from '../support/databases.js';
import { assertConsistent, conditionOf, runToEnd } from './harness.js';

const databases = await testDatabases();
const EXAMPLE = join(import.meta.dirname, '../../examples/pbt');
const STEPS = 10; // --steps in examples/pbt/experiment.yaml

for (const database of databases) {
  describe(`pbt end to end on ${database.label}`, { skip: database.skipReason }, () => {
    if (database.skipReason !== undefined) return;
    let katib: LocalKatib;
    let work: string;
    let source: string;
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'katib-pbt-'));
      source = join(work, 'example');
      cpSync(EXAMPLE, source, { recursive: true });
      katib = await startLocalKatib({ db: database.url, workRoot: join(work, 'trials') });
    });
    after(async () => {
      await katib?.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('runs examples/pbt: generations, parents, checkpoints carried from parent to child', async () => {
      const e = await loadExperimentFile(join(source, 'experiment.yaml'), {
        knownAlgorithms: knownAlgorithms(),
        runner: 'local',
      });
      // StdOut: no injection needed for this.
      e.spec.maxTrialCount = 22;
      e.spec.metricsCollectorSpec = { collector: { kind: 'StdOut' } };
      const f = await runToEnd(katib, e, { sourceDir: source });
      await assertConsistent(katib, f);
      assert.equal(f.trials.length, 22);
      const byName = new Map(f.trials.map((t) => [t.name, t]));
      const generation = (name: string) => Number(byName.get(name)!.labels[PBT_GENERATION_LABEL]);
      const counts = [0, 0, 0, 0];
      for (const t of f.trials) {
        assert.equal(conditionOf(t).type, 'Succeeded', `${t.name}: ${conditionOf(t).message}`);
        const g = generation(t.name);
        counts[g]!++;
        const parent = t.labels[PBT_PARENT_LABEL];
        if (g === 0) assert.equal(parent, undefined);
        else assert.equal(generation(parent!), g - 1, `${t.name}'s parent is one generation older`);
        // Its own folder, as Katib lays the volume out: <suggestion_trial_dir>/<experiment>/<trial>.
        const file = join(source, 'checkpoints', e.metadata.name, t.name, 'training.ckpt');
        assert.ok(existsSync(file), `${file} saved`);
        const saved = JSON.parse(readFileSync(file, 'utf8')) as { step: number; accuracy: number };
        assert.equal(saved.step, (g + 1) * STEPS, `${t.name} resumed from its parent's step`);
        if (parent !== undefined) {
          const before = JSON.parse(
            readFileSync(join(source, 'checkpoints', e.metadata.name, parent, 'training.ckpt'), 'utf8'),
          ) as { step: number };
          assert.equal(before.step, g * STEPS, "the parent's own checkpoint is left as it was");
        }
        const accuracy = t.observation?.metrics.find((m) => m.name === 'Validation-accuracy');
        assert.equal(Number(accuracy?.latest), Number((saved.accuracy / 100).toFixed(4)));
      }
      // Generation 1 starts once 10 of generation 0 have values; until then (5 run at a time)
      // PBT keeps drawing generation-0 trials, as Katib's does, so the split depends on timing.
      assert.ok(counts[0]! >= 10 && counts[1]! >= 1, `trials per generation: ${counts}`);
    });
  });
}
