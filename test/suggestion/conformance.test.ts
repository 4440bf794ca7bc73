/**
 * The Suggester conformance suite: every algorithm in the registry runs through it, so a new
 * algorithm gets these checks by registering itself. An algorithm may refuse a fixture's space
 * (validateSettings throws invalid_argument: grid refuses doubles without step), but must accept
 * the finite `mixed-stepped` fixture, and whatever it accepts it must handle correctly.
 * An algorithm that needs settings to run adds them to ALGORITHM_SETTINGS below.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import type { Experiment, ParameterSpec, Setting } from '../../src/api/experiment.js';
import type { Trial } from '../../src/api/trial.js';
import { formatDouble, getSuggester, knownAlgorithms, type Suggestion } from '../../src/suggestion/index.js';
import { categorical, discrete, double, int, makeExperiment, makeTrial } from './fixtures.js';

/** Settings an algorithm needs to run on the fixtures (none for random and grid). */
const ALGORITHM_SETTINGS: Record<string, Setting[]> = {
  cmaes: [{ name: 'sigma', value: '0.3' }], // its default (1/6 of the cube) searches too locally to show the log spread
  // layers (1..9 by 2) carries the resource 1, 3; only mixed-stepped has it, the others are refused.
  hyperband: [
    { name: 'r_l', value: '3' },
    { name: 'resource_name', value: 'layers' },
  ],
  // Population 5: the rounds below run through generations 0 to 4 (exploit and explore).
  pbt: [
    { name: 'suggestion_trial_dir', value: '/tmp/pbt-checkpoints' },
    { name: 'n_population', value: '5' },
    { name: 'truncation_threshold', value: '0.4' },
  ],
};

const FIXTURES: Record<string, ParameterSpec[]> = {
  'mixed-stepped': [
    int('layers', '1', '9', { step: '2' }),
    double('lr', '0.01', '0.1', { step: '0.01' }),
    discrete('batch', ['16', '32', '0.50', '64']),
    categorical('optimizer', ['sgd', 'adam', 'rms prop']),
  ],
  'mixed-continuous': [
    int('units', '8', '512', { distribution: 'logUniform' }),
    double('lr', '1e-5', '1e-1', { distribution: 'logUniform' }),
    double('dropout', '0', '0.5'),
    int('seed', '-5', '5'),
    discrete('momentum', ['0.9', '0.95', '0.99']),
    categorical('activation', ['relu', 'tanh']),
  ],
  'normal-distributions': [
    double('shift', '-1', '1', { distribution: 'normal' }),
    double('scale', '0.001', '1', { distribution: 'logNormal' }),
    int('width', '0', '100', { step: '5', distribution: 'normal' }),
    double('rate', '0.5', '2.5', { step: '0.25', distribution: 'logNormal' }),
  ],
};

const ROUNDS = 6;
const PER_ROUND = 4;

/** A made-up objective that depends on every assignment, so model-based algorithms have signal. */
function objective(assignments: Setting[]): number {
  let h = 0;
  for (const a of assignments) for (const c of `${a.name}=${a.value}`) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return (h % 1000) / 1000;
}

/** Checks one suggestion against the spec with plain arithmetic (not the code under test). */
function checkSuggestion(parameters: ParameterSpec[], suggestion: Suggestion, where: string): void {
  const names = suggestion.assignments.map((a) => a.name);
  assert.deepEqual([...names].sort(), parameters.map((p) => p.name).sort(), `${where}: every parameter once`);
  for (const p of parameters) {
    const text = suggestion.assignments.find((a) => a.name === p.name)!.value;
    const at = `${where} ${p.name}=${text}`;
    const fs = p.feasibleSpace;
    if (p.parameterType === 'categorical') {
      assert.ok(fs.list!.includes(text), `${at}: from the list`);
    } else if (p.parameterType === 'discrete') {
      assert.ok(fs.list!.includes(text), `${at}: a list entry as written`);
    } else {
      const v = Number(text);
      const min = Number(fs.min);
      const max = Number(fs.max);
      assert.ok(v >= min && v <= max, `${at}: inside [${min}, ${max}]`);
      if (p.parameterType === 'int') {
        assert.match(text, /^-?\d+$/, `${at}: an int has no decimal point`);
        assert.equal((v - min) % Number(fs.step ?? '1'), 0, `${at}: on the step`);
      } else {
        assert.equal(text, formatDouble(v), `${at}: printed as Katib prints a double`);
        if (fs.step !== undefined) {
          const k = (v - min) / Number(fs.step);
          assert.ok(Math.abs(k - Math.round(k)) < 1e-9, `${at}: on the step`);
        }
      }
    }
  }
}

/** Runs ROUNDS requests, each adding its suggestions to the history as finished trials. */
function simulate(name: string, experiment: Experiment, parameters: ParameterSpec[]): Suggestion[] {
  const trials: Trial[] = [];
  const all: Suggestion[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const request = { experiment, trials: [...trials], count: PER_ROUND };
    const first = getSuggester(name).suggest(request);
    const again = getSuggester(name).suggest(structuredClone(request));
    assert.deepEqual(again, first, `round ${round}: equal requests give equal answers`);
    assert.ok(first.length <= PER_ROUND, `round ${round}: at most count suggestions`);
    if (round === 0) assert.ok(first.length > 0, 'a fresh experiment gets suggestions');
    first.forEach((s, i) => {
      checkSuggestion(parameters, s, `round ${round} #${i}`);
      trials.push(makeTrial(trials.length, s.assignments, objective(s.assignments), s.labels ?? {}));
    });
    all.push(...first);
  }
  return all;
}

function accepts(name: string, experiment: Experiment): boolean {
  try {
    getSuggester(name).validateSettings(experiment);
    return true;
  } catch (err) {
    assert.ok(err instanceof KatibError, `${name} rejects with a KatibError`);
    assert.equal(err.code, 'invalid_argument');
    return false;
  }
}

function valuesOf(suggestions: Suggestion[], name: string): number[] {
  return suggestions.map((s) => Number(s.assignments.find((a) => a.name === name)!.value));
}

for (const name of knownAlgorithms()) {
  describe(`suggester conformance: ${name}`, () => {
    const settings = ALGORITHM_SETTINGS[name] ?? [];

    it('accepts the finite mixed-stepped space', () => {
      assert.ok(accepts(name, makeExperiment(FIXTURES['mixed-stepped']!, { algorithm: name, settings })));
    });

    for (const [fixture, parameters] of Object.entries(FIXTURES)) {
      it(`${fixture}: deterministic, feasible, on step, count respected`, (t) => {
        const experiment = makeExperiment(parameters, { algorithm: name, settings });
        if (!accepts(name, experiment)) {
          t.skip(`${name} refuses this space in validateSettings`);
          return;
        }
        simulate(name, experiment, parameters);
        assert.deepEqual(getSuggester(name).suggest({ experiment, trials: [], count: 0 }), []);
      });
    }

    it('mixed-continuous: logUniform values spread across decades', (t) => {
      const parameters = FIXTURES['mixed-continuous']!;
      const experiment = makeExperiment(parameters, { algorithm: name, settings });
      if (!accepts(name, experiment)) {
        t.skip(`${name} refuses this space in validateSettings`);
        return;
      }
      const suggestions = simulate(name, experiment, parameters);
      const decades = new Set(valuesOf(suggestions, 'lr').map((v) => Math.floor(Math.log10(v))));
      assert.ok(decades.size >= 3, `lr in 1e-5..1e-1 hits ${decades.size} decades: ${[...decades]}`);
      // Uniform on 8..512 puts ~5% below 32, log-uniform ~33%.
      const low = valuesOf(suggestions, 'units').filter((v) => v < 32).length;
      assert.ok(low >= 3, `logUniform int: ${low} of ${suggestions.length} values below 32`);
    });

    it('is stateless: a used instance answers as a fresh one', () => {
      const parameters = FIXTURES['mixed-stepped']!;
      const experiment = makeExperiment(parameters, { algorithm: name, settings });
      const used = getSuggester(name);
      const first = used.suggest({ experiment, trials: [], count: 3 });
      const trials = first.map((s, i) =>
        makeTrial(i, s.assignments, objective(s.assignments), s.labels ?? {}),
      );
      const request = { experiment, trials, count: 3 };
      assert.deepEqual(used.suggest(request), getSuggester(name).suggest(request));
    });

    it('rejects an unknown setting, naming it and the known ones', () => {
      const experiment = makeExperiment(FIXTURES['mixed-stepped']!, {
        algorithm: name,
        settings: [...settings, { name: 'no_such_setting', value: '1' }],
      });
      assert.throws(
        () => getSuggester(name).validateSettings(experiment),
        (err: unknown) =>
          err instanceof KatibError &&
          err.code === 'invalid_argument' &&
          err.message.includes('no_such_setting') &&
          err.message.includes('spec.algorithm.algorithmSettings'),
      );
    });

    it('rejects a negative random_state', () => {
      const experiment = makeExperiment(FIXTURES['mixed-stepped']!, {
        algorithm: name,
        settings: [...settings, { name: 'random_state', value: '-1' }],
      });
      assert.throws(
        () => getSuggester(name).validateSettings(experiment),
        (err: unknown) => err instanceof KatibError && err.code === 'invalid_argument',
      );
    });

    it('rejects a broken search space with invalid_argument naming the field', () => {
      const experiment = makeExperiment([int('x', '10', '1')], { algorithm: name, settings });
      assert.throws(
        () => getSuggester(name).validateSettings(experiment),
        (err: unknown) =>
          err instanceof KatibError &&
          err.code === 'invalid_argument' &&
          err.message.includes('spec.parameters[0]'),
      );
    });
  });
}
