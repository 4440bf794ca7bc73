import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import { createStudy } from '../../src/suggestion/index.js';
import { categorical, double, int } from './fixtures.js';

const parameters = [
  double('lr', '0.0001', '0.1', { distribution: 'logUniform' }),
  int('layers', '1', '4'),
  categorical('optimizer', ['sgd', 'adam']),
];

function fails(fn: () => unknown, code: string, fragment: string): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof KatibError && err.code === code && err.message.includes(fragment),
  );
}

describe('createStudy (ask and tell)', () => {
  it('hands out typed values and Katib assignments, and tracks the best told value', () => {
    const study = createStudy({ parameters, algorithm: 'tpe', name: 'demo' });
    const [first, second] = study.ask(2);
    assert.equal(first!.name, 'demo-0001');
    assert.equal(second!.name, 'demo-0002');
    assert.equal(typeof first!.values.lr, 'number');
    assert.ok(Number.isInteger(first!.values.layers));
    assert.ok(['sgd', 'adam'].includes(first!.values.optimizer as string));
    assert.equal(first!.assignments.find((a) => a.name === 'layers')!.value, String(first!.values.layers));
    study.tell(first!, 0.5);
    study.tell(second!.name, 0.25);
    assert.deepEqual(study.best(), { name: 'demo-0002', values: second!.values, value: 0.25 });
    assert.deepEqual(
      study.trials.map((t) => t.conditions.at(-1)!.type),
      ['Succeeded', 'Succeeded'],
    );
  });

  it('leaves failed trials out of the best and keeps going', () => {
    const study = createStudy({
      parameters,
      objective: 'maximize',
      algorithm: { name: 'random', settings: { random_state: 1 } },
    });
    const [a, b] = study.ask(2);
    study.fail(a!);
    assert.equal(study.best(), undefined);
    study.tell(b!, 3);
    assert.equal(study.best()!.name, b!.name);
    assert.equal(study.trials[0]!.conditions.at(-1)!.type, 'Failed');
    assert.equal(study.ask(3).length, 3);
  });

  it('refuses bad values, unknown trials and telling twice', () => {
    const study = createStudy({ parameters });
    const [t] = study.ask();
    fails(() => study.tell(t!, Number.NaN), 'invalid_argument', 'value');
    fails(() => study.tell('nope', 1), 'invalid_argument', '"nope" is not a trial this study asked for');
    study.tell(t!, 1);
    fails(() => study.tell(t!, 2), 'failed_precondition', 'already told');
  });

  it('refuses a bad space, algorithm or setting when created', () => {
    fails(() => createStudy({ parameters: [int('x', '5', '1')] }), 'invalid_argument', 'spec.parameters[0]');
    fails(() => createStudy({ parameters, algorithm: 'nope' }), 'invalid_argument', 'not a known algorithm');
    fails(
      () => createStudy({ parameters, algorithm: { name: 'tpe', settings: { gamma: 2 } } }),
      'invalid_argument',
      'gamma',
    );
  });

  it('returns fewer trials once a finite space is used up', () => {
    const study = createStudy({ parameters: [int('k', '1', '3')], algorithm: 'sobol' });
    const all = study.ask(5);
    assert.equal(all.length, 3);
    assert.deepEqual(all.map((t) => t.values.k).sort(), [1, 2, 3]);
  });
});
