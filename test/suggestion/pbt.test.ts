/**
 * PBT: settings validation as a table, and the generation / exploit / explore logic on
 * hand-built trial histories (labels as Katib names them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { ParameterSpec, Setting } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';
import { getSuggester, Rng } from '../../src/suggestion/index.js';
import { GENERATION_LABEL, PARENT_LABEL, perturb } from '../../src/suggestion/pbt/index.js';
import { buildSearchSpace } from '../../src/suggestion/space/index.js';
import { categorical, discrete, double, int, makeExperiment, makeTrial } from './fixtures.js';

const BASE: Setting[] = [
  { name: 'suggestion_trial_dir', value: '/var/log/katib/checkpoints/' },
  { name: 'n_population', value: '5' },
  { name: 'truncation_threshold', value: '0.2' },
];
const LR = double('lr', '0.001', '0.1', { step: '0.001' });

function withSetting(name: string, value: string | undefined): Setting[] {
  const rest = BASE.filter((s) => s.name !== name);
  return value === undefined ? rest : [...rest, { name, value }];
}

describe('pbt settings', () => {
  const cases: { name: string; settings: Setting[]; params?: ParameterSpec[]; error?: RegExp }[] = [
    { name: "Katib's example settings", settings: BASE },
    { name: 'resample_probability 0.25', settings: withSetting('resample_probability', '0.25') },
    {
      name: 'resample_probability 0 and 1 are inclusive',
      settings: withSetting('resample_probability', '1'),
    },
    { name: 'truncation_threshold 0', settings: withSetting('truncation_threshold', '0') },
    { name: 'random_state', settings: withSetting('random_state', '7') },
    {
      name: 'missing suggestion_trial_dir',
      settings: withSetting('suggestion_trial_dir', undefined),
      error: /spec\.algorithm\.algorithmSettings: "suggestion_trial_dir".*required by algorithm pbt/,
    },
    {
      name: 'missing n_population',
      settings: withSetting('n_population', undefined),
      error: /"n_population".*required/,
    },
    {
      name: 'missing truncation_threshold',
      settings: withSetting('truncation_threshold', undefined),
      error: /"truncation_threshold".*required/,
    },
    {
      name: 'n_population below 5',
      settings: withSetting('n_population', '4'),
      error: /algorithmSettings\[\d\]\.value: "4".*n_population: must be a whole number >= 5/,
    },
    {
      name: 'n_population fractional',
      settings: withSetting('n_population', '5.5'),
      error: /"5\.5".*whole number/,
    },
    {
      name: 'truncation_threshold above 1',
      settings: withSetting('truncation_threshold', '1.5'),
      error: /"1\.5".*truncation_threshold: must be a number >= 0 and <= 1/,
    },
    {
      name: 'resample_probability negative',
      settings: withSetting('resample_probability', '-0.1'),
      error: /"-0\.1".*resample_probability: must be a number >= 0 and <= 1/,
    },
    {
      name: 'empty suggestion_trial_dir',
      settings: withSetting('suggestion_trial_dir', ' '),
      error: /suggestion_trial_dir: must name a folder/,
    },
    {
      name: 'double without step',
      settings: BASE,
      params: [double('lr', '0.001', '0.1')],
      error: /spec\.parameters\[0\]\.feasibleSpace\.step.*required for a double parameter with algorithm pbt/,
    },
    {
      name: 'every parameter type with steps',
      settings: BASE,
      params: [
        LR,
        int('units', '8', '64', { step: '8' }),
        discrete('b', ['16', '32']),
        categorical('o', ['a', 'b']),
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const experiment = makeExperiment(c.params ?? [LR], { algorithm: 'pbt', settings: c.settings });
      const run = () => getSuggester('pbt').validateSettings(experiment);
      if (c.error === undefined) run();
      else
        assert.throws(run, (err: unknown) => {
          assert.ok(err instanceof KatibError);
          assert.equal(err.code, 'invalid_argument');
          assert.match(err.message, c.error!);
          return true;
        });
    });
  }
});

/** A history trial: Succeeded with `accuracy` (maximized), or pending / failed. */
function trial(
  index: number,
  lr: string,
  generation: number,
  accuracy: number | 'pending' | 'failed',
  parent?: string,
): Trial {
  const labels: Record<string, string> = { [GENERATION_LABEL]: String(generation) };
  if (parent !== undefined) labels[PARENT_LABEL] = parent;
  const t = makeTrial(
    index,
    [{ name: 'lr', value: lr }],
    typeof accuracy === 'number' ? accuracy : 0,
    labels,
  );
  if (accuracy === 'pending')
    return { ...t, conditions: t.conditions.slice(0, 1), observation: { metrics: [] } };
  if (accuracy === 'failed')
    return {
      ...t,
      conditions: [t.conditions[0]!, { ...t.conditions[1]!, type: 'Failed', reason: 'TrialFailed' }],
      observation: { metrics: [] },
    };
  return t;
}

const experiment = (settings: Setting[] = BASE) => makeExperiment([LR], { algorithm: 'pbt', settings });
const lrOf = (s: { assignments: Setting[] }) => Number(s.assignments[0]!.value);

/** Generation 0, all five Succeeded: lr 0.01..0.05 scoring 0.1..0.5 (0.05 is best). */
const GEN0 = [0.01, 0.02, 0.03, 0.04, 0.05].map((lr, i) => trial(i, String(lr), 0, (i + 1) / 10));

describe('pbt generations', () => {
  it('generation 0: random draws labelled generation 0 with no parent, count respected', () => {
    const out = getSuggester('pbt').suggest({ experiment: experiment(), trials: [], count: 7 });
    assert.equal(out.length, 7, 'like Katib: always count, more draws while the population runs');
    for (const s of out) assert.deepEqual(s.labels, { [GENERATION_LABEL]: '0' });
    const again = getSuggester('pbt').suggest({ experiment: experiment(), trials: [], count: 2 });
    assert.deepEqual(again, out.slice(0, 2), 'a smaller count hands out the same plan');
  });

  it('fills generation 0 over several calls with the same plan', () => {
    const all = getSuggester('pbt').suggest({ experiment: experiment(), trials: [], count: 5 });
    const first = all.slice(0, 2).map((s, i) => trial(i, s.assignments[0]!.value, 0, 'pending'));
    const rest = getSuggester('pbt').suggest({ experiment: experiment(), trials: first, count: 3 });
    assert.deepEqual(rest, all.slice(2));
  });

  it('while a member still runs, further trials of the same generation (Katib never waits)', () => {
    const trials = [...GEN0.slice(0, 4), trial(4, '0.05', 0, 'pending')];
    const out = getSuggester('pbt').suggest({ experiment: experiment(), trials, count: 3 });
    assert.equal(out.length, 3);
    assert.ok(out.every((s) => s.labels?.[GENERATION_LABEL] === '0' && s.labels[PARENT_LABEL] === undefined));
  });

  it('a failed member does not count: generation 1 waits for n_population values', () => {
    const trials = [...GEN0.slice(0, 4), trial(4, '0.05', 0, 'failed')];
    const out = getSuggester('pbt').suggest({ experiment: experiment(), trials, count: 1 });
    assert.deepEqual(out[0]!.labels, { [GENERATION_LABEL]: '0' });
    const next = getSuggester('pbt').suggest({
      experiment: experiment(),
      trials: [...trials, trial(5, String(lrOf(out[0]!)), 0, 0.05)],
      count: 5,
    });
    assert.ok(next.every((s) => s.labels?.[GENERATION_LABEL] === '1'));
    const failedName = trials[4]!.name;
    assert.ok(
      next.every((s) => s.labels?.[PARENT_LABEL] !== failedName),
      'never the failed trial',
    );
  });

  it('extra trials of generation 1 are children of random members of generation 0', () => {
    const gen1 = getSuggester('pbt').suggest({ experiment: experiment(), trials: GEN0, count: 8 });
    assert.equal(gen1.length, 8);
    assert.ok(gen1.every((s) => s.labels?.[GENERATION_LABEL] === '1'));
    for (const s of gen1.slice(5)) assert.ok(GEN0.some((t) => t.name === s.labels?.[PARENT_LABEL]));
  });

  it('exploit: the bottom fraction copies a top member and continues its checkpoint', () => {
    const out = getSuggester('pbt').suggest({ experiment: experiment(), trials: GEN0, count: 5 });
    assert.equal(out.length, 5);
    // truncation 0.2 of 5: one bottom member (lr 0.01, the first slot), one top member (lr 0.05).
    assert.equal(lrOf(out[0]!), 0.05, 'exploited: the top member values');
    assert.equal(out[0]!.labels?.[PARENT_LABEL], GEN0[4]!.name, 'parent: the top member');
    // explore: every other member continues its own checkpoint with lr times 0.8 or 1.2.
    out.slice(1).forEach((s, k) => {
      const own = GEN0[k + 1]!;
      assert.equal(s.labels?.[PARENT_LABEL], own.name);
      assert.equal(s.labels?.[GENERATION_LABEL], '1');
      const ratio = lrOf(s) / Number(own.parameterAssignments[0]!.value);
      assert.ok(Math.abs(ratio - 0.8) < 1e-9 || Math.abs(ratio - 1.2) < 1e-9, `ratio ${ratio}`);
    });
  });

  it('minimize turns the ranking around', () => {
    const e = experiment();
    e.spec.objective = { ...e.spec.objective, type: 'minimize' };
    const out = getSuggester('pbt').suggest({ experiment: e, trials: GEN0, count: 5 });
    // Now lr 0.05 (0.5) is worst: its slot (the last) copies lr 0.01's values.
    assert.equal(lrOf(out[4]!), 0.01);
    assert.equal(out[4]!.labels?.[PARENT_LABEL], GEN0[0]!.name);
  });

  it('resample_probability 0 keeps explored values as they are (no perturbation)', () => {
    const e = experiment(withSetting('resample_probability', '0'));
    const out = getSuggester('pbt').suggest({ experiment: e, trials: GEN0, count: 5 });
    out.slice(1).forEach((s, k) => {
      assert.equal(lrOf(s), Number(GEN0[k + 1]!.parameterAssignments[0]!.value));
    });
  });

  it('generation 2 is built from generation 1 only', () => {
    const gen1 = getSuggester('pbt').suggest({ experiment: experiment(), trials: GEN0, count: 5 });
    const trials = [
      ...GEN0,
      ...gen1.map((s, i) => trial(5 + i, s.assignments[0]!.value, 1, 1 - i / 10, s.labels?.[PARENT_LABEL])),
    ];
    const gen2 = getSuggester('pbt').suggest({ experiment: experiment(), trials, count: 5 });
    assert.ok(gen2.every((s) => s.labels?.[GENERATION_LABEL] === '2'));
    const parents = new Set(gen2.map((s) => s.labels?.[PARENT_LABEL]));
    for (const p of parents)
      assert.ok(
        trials.slice(5).some((t) => t.name === p),
        `${p} is in generation 1`,
      );
    // The worst of generation 1 is its last member: it continues the best (the first).
    assert.equal(gen2[4]!.labels?.[PARENT_LABEL], trials[5]!.name);
  });

  it('ignores trials without a generation label', () => {
    const stray = makeTrial(9, [{ name: 'lr', value: '0.09' }], 0.9);
    const out = getSuggester('pbt').suggest({ experiment: experiment(), trials: [...GEN0, stray], count: 5 });
    assert.ok(out.every((s) => s.labels?.[PARENT_LABEL] !== stray.name));
  });
});

describe('pbt perturb (Katib factors)', () => {
  const space = buildSearchSpace([
    int('units', '1', '100'),
    discrete('batch', ['16', '32', '64']),
    categorical('opt', ['sgd', 'adam', 'rms']),
  ]);
  const [units, batch, opt] = space.params;
  it('int: trunc(v * 0.8 or 1.2), clipped', () => {
    const seen = new Set<number | string>();
    for (let s = 0; s < 40; s++) seen.add(perturb(units!, 10, new Rng(s)));
    assert.deepEqual([...seen].sort(), [12, 8]);
    for (let s = 0; s < 20; s++) assert.ok([80, 100].includes(perturb(units!, 100, new Rng(s)) as number));
  });
  it('discrete and categorical: a list neighbour, wrapping at both ends', () => {
    const b = new Set<number | string>();
    const o = new Set<number | string>();
    for (let s = 0; s < 40; s++) {
      b.add(perturb(batch!, 16, new Rng(s)));
      o.add(perturb(opt!, 'rms', new Rng(s)));
    }
    assert.deepEqual([...b].sort(), [32, 64]);
    assert.deepEqual([...o].sort(), ['adam', 'sgd']);
  });
});

describe('pbt through ask-and-tell', () => {
  it('asked trials carry the generation and parent labels', async () => {
    const { createStudy } = await import('../../src/suggestion/index.js');
    const study = createStudy({
      parameters: [LR],
      objective: 'maximize',
      algorithm: {
        name: 'pbt',
        settings: { suggestion_trial_dir: '/tmp/pbt', n_population: 5, truncation_threshold: 0.2 },
      },
    });
    const first = study.ask(5);
    assert.ok(first.every((t) => t.labels[GENERATION_LABEL] === '0'));
    for (const [i, t] of first.entries()) study.tell(t, i);
    const second = study.ask(5);
    assert.ok(second.every((t) => t.labels[GENERATION_LABEL] === '1'));
    assert.ok(second.every((t) => first.some((f) => f.name === t.labels[PARENT_LABEL])));
  });
});
