/** suggestion_trial_dir for local trials: Katib's folder layout, the parent's copy, the command rewrite. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Experiment } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';
import { prepareCheckpointFolder } from '../../src/controller/checkpoint-folder.js';
import { PBT_PARENT_LABEL } from '../../src/suggestion/index.js';

const work = mkdtempSync(join(tmpdir(), 'katib-ckpt-'));
after(() => rmSync(work, { recursive: true, force: true }));

function exp(dir: string | undefined): Experiment {
  const algorithmSettings = dir === undefined ? [] : [{ name: 'suggestion_trial_dir', value: dir }];
  return {
    metadata: { name: 'ex' },
    spec: { algorithm: { algorithmName: 'pbt', algorithmSettings } },
  } as unknown as Experiment;
}
const trial = (name: string, parent?: string) =>
  ({ name, labels: parent === undefined ? {} : { [PBT_PARENT_LABEL]: parent } }) as unknown as Trial;

describe('checkpoint folder', () => {
  it('none without suggestion_trial_dir', () => {
    assert.equal(prepareCheckpointFolder(exp(undefined), trial('t'), work), undefined);
    assert.equal(prepareCheckpointFolder(exp(' '), trial('t'), work), undefined);
  });

  it('<dir>/<experiment>/<trial>, relative to the source folder; the parent copied in, left as it was', () => {
    const a = prepareCheckpointFolder(exp('ckpt/'), trial('a'), work)!;
    assert.equal(a.dir, join(work, 'ckpt', 'ex', 'a'));
    writeFileSync(join(a.dir, 'training.ckpt'), 'A');
    const b = prepareCheckpointFolder(exp('ckpt/'), trial('b', 'a'), work)!;
    assert.equal(readFileSync(join(b.dir, 'training.ckpt'), 'utf8'), 'A');
    writeFileSync(join(b.dir, 'training.ckpt'), 'B');
    assert.equal(readFileSync(join(a.dir, 'training.ckpt'), 'utf8'), 'A');
    assert.equal(b.missingParent, undefined);
  });

  it('a missing parent folder: an empty folder, reported', () => {
    const c = prepareCheckpointFolder(exp('ckpt'), trial('c', 'gone'), work)!;
    assert.equal(c.missingParent, 'gone');
  });

  it('an earlier folder of the same trial is replaced (as Katib does)', () => {
    const dir = join(work, 'ckpt', 'ex', 'd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'old'), 'x');
    const d = prepareCheckpointFolder(exp('ckpt'), trial('d'), work)!;
    assert.throws(() => readFileSync(join(d.dir, 'old')));
  });

  const cases: [string, string, string][] = [
    ['ABS/katib/checkpoints/', '--checkpoint=ABS/katib/checkpoints/', '--checkpoint=DIR/'],
    ['ABS/katib/checkpoints', 'ABS/katib/checkpoints', 'DIR'],
    ['ABS/katib/checkpoints/', 'ABS/katib/checkpoints/model.pt', 'DIR/model.pt'],
    ['ABS/katib/checkpoints/', 'ABS/katib/checkpoints2/', 'ABS/katib/checkpoints2/'],
    ['ABS/katib/checkpoints/', '/xABS/katib/checkpoints/', '/xABS/katib/checkpoints/'],
    ['checkpoints/', '--checkpoint=checkpoints/', '--checkpoint=DIR/'],
    ['checkpoints/', 'mycheckpoints/', 'mycheckpoints/'],
    ['checkpoints/', 'python train.py --ckpt checkpoints', 'python train.py --ckpt DIR'],
  ];
  for (const [setting, arg, want] of cases) {
    it(`rewrites ${JSON.stringify(arg)} for ${JSON.stringify(setting)}`, () => {
      // ABS: an absolute path inside the test's temp folder (the folder is really made).
      const abs = (text: string) => text.replaceAll('ABS', join(work, 'abs'));
      const f = prepareCheckpointFolder(exp(abs(setting)), trial('r'), join(work, 'rw'))!;
      assert.deepEqual(f.rewrite(['prog', abs(arg)]), ['prog', abs(want).replace('DIR', f.dir)]);
    });
  }
});
