import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { KatibError } from '../../src/api/errors.js';
import type { Experiment, ParameterSpec, Setting } from '../../src/api/experiment.js';
import type { Trial, TrialConditionType } from '../../src/api/trial.js';
import { parseExperiment } from '../../src/spec/index.js';
import {
  BRACKET_LABEL,
  bracketSize,
  minParallelTrials,
  RUNG_LABEL,
  rungSize,
  scheduleOf,
  totalTrials,
} from '../../src/suggestion/hyperband/index.js';
import { getSuggester, type Suggestion } from '../../src/suggestion/index.js';
import { categorical, double, int, makeExperiment, makeTrial } from './fixtures.js';

const SPACE: ParameterSpec[] = [
  int('epochs', '1', '81'),
  double('lr', '1e-4', '1e-1', { distribution: 'logUniform' }),
  double('momentum', '0', '1', { distribution: 'normal' }),
  categorical('optimizer', ['sgd', 'adam']),
];

function hyperband(settings: Record<string, string>, parameters = SPACE, parallel = 81): Experiment {
  const experiment = makeExperiment(parameters, {
    algorithm: 'hyperband',
    settings: Object.entries(settings).map(([name, value]) => ({ name, value })),
  });
  experiment.spec.parallelTrialCount = parallel;
  return experiment;
}

const value = (s: Suggestion | Trial, name: string): string =>
  ('assignments' in s ? s.assignments : s.parameterAssignments).find((a) => a.name === name)!.value;

/** Accuracy grows with the resource and peaks at lr = 0.01: a config's rank is the same at every resource. */
function accuracy(assignments: Setting[]): number {
  const get = (name: string) => Number(assignments.find((a) => a.name === name)!.value);
  return 1 - Math.abs(Math.log10(get('lr')) + 2) / 10 - 1 / (1 + get('epochs'));
}

function trialIn(state: TrialConditionType, index: number, s: Suggestion): Trial {
  const trial = makeTrial(index, s.assignments, accuracy(s.assignments), s.labels ?? {});
  if (state !== 'Succeeded') {
    trial.conditions = trial.conditions.filter((c) => c.type === 'Created');
    trial.conditions.push({ ...trial.conditions[0]!, type: state, reason: `Trial${state}` });
    if (state === 'Running' || state === 'Failed') delete trial.observation;
  }
  return trial;
}

/**
 * Runs an experiment the way the controller does: at most `parallel` trials at once, asking for
 * the free slots, finishing the oldest running trial between requests. Returns every trial.
 */
function run(experiment: Experiment, parallel: number, fail = (_: Suggestion) => false): Trial[] {
  const trials: Trial[] = [];
  const suggestions: Suggestion[] = [];
  for (let round = 0; round < 10_000; round++) {
    const running = trials.filter((t) => t.conditions.some((c) => c.type === 'Running')).length;
    const asked = getSuggester('hyperband').suggest({ experiment, trials, count: parallel - running });
    assert.ok(asked.length <= parallel - running);
    for (const s of asked) {
      suggestions.push(s);
      trials.push(trialIn('Running', trials.length, s));
    }
    const oldest = trials.findIndex((t) => t.conditions.some((c) => c.type === 'Running'));
    if (oldest < 0) return trials;
    const s = suggestions[oldest]!;
    trials[oldest] = trialIn(fail(s) ? 'Failed' : 'Succeeded', oldest, s);
  }
  throw new Error('the experiment never ended');
}

const rungOf = (trials: Trial[], s: number, i: number) =>
  trials.filter((t) => t.labels[BRACKET_LABEL] === String(s) && t.labels[RUNG_LABEL] === String(i));

const config = (t: Trial) => JSON.stringify(t.parameterAssignments.filter((a) => a.name !== 'epochs'));

describe('hyperband schedule', () => {
  it('counts brackets and rungs as Katib does (r_l 81, eta 3)', () => {
    const schedule = scheduleOf(81, 3);
    assert.equal(schedule.sMax, 4);
    assert.deepEqual(
      [4, 3, 2, 1, 0].map((s) => bracketSize(schedule, s)),
      [81, 34, 15, 8, 5],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => rungSize(schedule, 3, i)),
      [34, 12, 4, 2],
    );
    assert.equal(totalTrials(schedule), 81 + 27 + 9 + 3 + 1 + 34 + 12 + 4 + 2 + 15 + 5 + 2 + 8 + 3 + 5);
    assert.equal(minParallelTrials(schedule), 81);
    assert.equal(scheduleOf(80.9, 3).sMax, 3);
    assert.equal(scheduleOf(2, 3).sMax, 0);
  });
});

describe('hyperband suggester', () => {
  const experiment = hyperband({ r_l: '81', resource_name: 'epochs', eta: '3' });

  for (const parallel of [200, 81, 7, 1]) {
    it(`runs every bracket to its end, promoting the best 1/eta of each rung (${parallel} at once)`, () => {
      const trials = run(experiment, parallel);
      const schedule = scheduleOf(81, 3);
      assert.equal(trials.length, totalTrials(schedule));
      for (let s = 4; s >= 0; s--) {
        for (let i = 0; i <= s; i++) {
          const rung = rungOf(trials, s, i);
          assert.equal(rung.length, rungSize(schedule, s, i), `bracket ${s} rung ${i} size`);
          const resource = String(Math.floor(81 / 3 ** (s - i) + 1e-9));
          for (const t of rung) assert.equal(value(t, 'epochs'), resource, `bracket ${s} rung ${i} resource`);
          if (i === 0) continue;
          const best = rungOf(trials, s, i - 1)
            .map((t) => ({ t, v: accuracy(t.parameterAssignments) }))
            .sort((a, b) => b.v - a.v)
            .slice(0, rung.length)
            .map((x) => config(x.t))
            .sort();
          assert.deepEqual(
            rung.map(config).sort(),
            best,
            `bracket ${s} rung ${i} holds the best of rung ${i - 1}`,
          );
        }
      }
      assert.deepEqual(getSuggester('hyperband').suggest({ experiment, trials, count: 5 }), []);
    });
  }

  it('fills free slots from the next bracket while a rung waits for its trials', () => {
    const first = getSuggester('hyperband').suggest({ experiment, trials: [], count: 100 });
    assert.equal(first.length, 100);
    assert.equal(first.filter((s) => s.labels?.[BRACKET_LABEL] === '4').length, 81);
    assert.ok(first.slice(81).every((s) => s.labels?.[BRACKET_LABEL] === '3' && value(s, 'epochs') === '3'));
    // All of bracket 4's first rung but one has ended: it waits; bracket 3 goes on.
    const trials = first.map((s, k) => trialIn(k === 0 ? 'Running' : 'Succeeded', k, s));
    const next = getSuggester('hyperband').suggest({ experiment, trials, count: 30 });
    assert.deepEqual(
      next.map((s) => `${s.labels?.[BRACKET_LABEL]}/${s.labels?.[RUNG_LABEL]}`),
      [...Array(15).fill('3/0'), ...Array(15).fill('2/0')],
    );
    // Once it ends, bracket 4's promotions come first.
    trials[0] = trialIn('Succeeded', 0, first[0]!);
    const promoted = getSuggester('hyperband').suggest({ experiment, trials, count: 30 });
    assert.equal(promoted.filter((s) => s.labels?.[BRACKET_LABEL] === '4').length, 27);
    assert.ok(
      promoted.slice(0, 27).every((s) => value(s, 'epochs') === '3' && s.labels?.[RUNG_LABEL] === '1'),
    );
  });

  it('never promotes a failed trial, and ends a bracket with nothing to promote', () => {
    const small = hyperband({ r_l: '9', resource_name: 'epochs' }, SPACE, 9);
    const trials = run(small, 9, (s) => value(s, 'optimizer') === 'sgd');
    for (const t of trials.filter((t) => t.labels[RUNG_LABEL] !== '0')) {
      assert.equal(value(t, 'optimizer'), 'adam');
    }
    const failedFirst = run(small, 3, () => true);
    assert.equal(failedFirst.length, bracketSize(scheduleOf(9, 3), 2) + bracketSize(scheduleOf(9, 3), 1) + 3);
  });

  it('gives a double resource its exact values and labels every suggestion', () => {
    const space = [double('budget', '0.5', '27'), double('x', '-1', '1')];
    const e = hyperband({ r_l: '27', resource_name: 'budget', eta: '3' }, space, 27);
    const all = getSuggester('hyperband').suggest({ experiment: e, trials: [], count: 100 });
    assert.deepEqual([...new Set(all.map((s) => value(s, 'budget')))], ['1.0', '3.0', '9.0', '27.0']);
    assert.ok(all.every((s) => s.labels?.[BRACKET_LABEL] !== undefined && s.labels?.[RUNG_LABEL] === '0'));
    const keys = all.map((s) => JSON.stringify(s.assignments));
    assert.equal(new Set(keys).size, keys.length, 'first rungs draw distinct configurations');
  });

  it('is deterministic under random_state and differs across seeds', () => {
    const seeded = (state: string) =>
      getSuggester('hyperband').suggest({
        experiment: hyperband({ r_l: '81', resource_name: 'epochs', random_state: state }),
        trials: [],
        count: 5,
      });
    assert.deepEqual(seeded('7'), seeded('7'));
    assert.notDeepEqual(seeded('7'), seeded('8'));
  });
});

describe('hyperband settings', () => {
  const rejects = (experiment: Experiment, ...parts: (string | RegExp)[]) =>
    assert.throws(
      () => getSuggester('hyperband').validateSettings(experiment),
      (err: unknown) => {
        assert.ok(err instanceof KatibError && err.code === 'invalid_argument', String(err));
        for (const part of parts) {
          if (typeof part === 'string') assert.ok(err.message.includes(part), `${err.message} has ${part}`);
          else assert.match(err.message, part);
        }
        return true;
      },
    );

  it('accepts Katib settings, eta defaulting to 3', () => {
    getSuggester('hyperband').validateSettings(hyperband({ r_l: '81', resource_name: 'epochs' }));
    getSuggester('hyperband').validateSettings(
      hyperband({ r_l: '27', resource_name: 'epochs', eta: '3' }, SPACE, 27),
    );
  });

  it('reports both required settings at once', () => {
    rejects(hyperband({}), /"r_l" is required by algorithm hyperband.*"resource_name" is required/);
  });

  it('resource_name must name an int or double parameter', () => {
    rejects(
      hyperband({ r_l: '81', resource_name: 'batches' }),
      'spec.algorithm.algorithmSettings[1].value: "batches" must name one of the parameters (epochs, lr, momentum, optimizer)',
    );
    rejects(hyperband({ r_l: '81', resource_name: 'optimizer' }), 'names a categorical parameter');
  });

  it('checks eta and r_l, every bad one reported', () => {
    rejects(
      hyperband({ r_l: '0.5', resource_name: 'epochs', eta: '1' }),
      'algorithmSettings[0].value: "0.5" is not a valid r_l: must be a number >= 1',
      'algorithmSettings[2].value: "1" is not a valid eta: must be a whole number >= 2',
    );
    rejects(hyperband({ r_l: 'lots', resource_name: 'epochs', eta: '2.5' }), 'r_l', 'eta');
  });

  it("applies Katib's parallelTrialCount rule (>= eta^s_max)", () => {
    rejects(
      hyperband({ r_l: '81', resource_name: 'epochs' }, SPACE, 27),
      'spec.parallelTrialCount: 27 must be at least 81 for hyperband with r_l 81 and eta 3',
    );
    // suggest itself does not need the rule: it hands a rung out over several requests.
    const e = hyperband({ r_l: '81', resource_name: 'epochs' }, SPACE, 3);
    assert.equal(getSuggester('hyperband').suggest({ experiment: e, trials: [], count: 3 }).length, 3);
  });

  it("runs the resource at the schedule's values whatever its feasible space says, as Katib does", () => {
    // Katib's own hp-tuning/hyperband.yaml: num-epochs in [1, 1], r_l 2 (its CI runs it).
    const katib = hyperband({ r_l: '2', resource_name: 'epochs', eta: '3' }, [
      int('epochs', '1', '1'),
      double('lr', '0.01', '0.1'),
    ]);
    getSuggester('hyperband').validateSettings(katib);
    const first = getSuggester('hyperband').suggest({ experiment: katib, trials: [], count: 5 });
    assert.ok(first.length > 0);
    assert.deepEqual([...new Set(first.map((s) => value(s, 'epochs')))], ['2']);
    // Trials at values outside the declared space read back: a finished rung is promoted.
    const narrow = [int('epochs', '1', '50'), double('lr', '0.01', '0.1')];
    const all = run(hyperband({ r_l: '81', resource_name: 'epochs' }, narrow), 81);
    assert.ok(all.some((t) => value(t, 'epochs') === '81'));
    const stepped = [int('epochs', '0', '100', { step: '10' }), double('lr', '0.01', '0.1')];
    const some = getSuggester('hyperband').suggest({
      experiment: hyperband({ r_l: '100', resource_name: 'epochs' }, stepped),
      trials: [],
      count: 3,
    });
    assert.deepEqual(
      some.map((s) => value(s, 'epochs')),
      ['1', '1', '1'],
    );
  });
});

describe("Katib's own hyperband example (hp-tuning/hyperband.yaml)", () => {
  it('validates and runs both rungs, the second at num-epochs 2 outside the declared [1, 1]', () => {
    const file = new URL('../fixtures/katib/hyperband.yaml', import.meta.url);
    const experiment = parseExperiment(parse(readFileSync(file, 'utf8')));
    const suggester = getSuggester('hyperband');
    suggester.validateSettings(experiment);
    const first = suggester.suggest({ experiment, trials: [], count: 2 });
    assert.deepEqual(
      first.map((s) => value(s, 'num-epochs')),
      ['1', '1'],
    );
    const done = first.map((s, i) => {
      const trial = makeTrial(i, s.assignments, 0, s.labels ?? {});
      const loss = i === 0 ? '0.2' : '0.4';
      trial.observation = { metrics: [{ name: 'loss', min: loss, max: loss, latest: loss }] };
      return trial;
    });
    const second = suggester.suggest({ experiment, trials: done, count: 2 });
    // Rung 1 of bracket 1 (the better first trial: loss is minimized) and bracket 0, both at r_l.
    assert.deepEqual(
      second.map((s) => value(s, 'num-epochs')),
      ['2', '2'],
    );
    assert.equal(value(second[0]!, 'lr'), value(first[0]!, 'lr'));
  });
});
