import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import { GridSuggester, getSuggester, knownAlgorithms, RandomSuggester } from '../../src/suggestion/index.js';

describe('suggester registry', () => {
  it('knows grid and random, sorted', () => {
    const names = knownAlgorithms();
    assert.ok(names.includes('grid') && names.includes('random'));
    assert.deepEqual(names, [...names].sort());
    assert.ok(getSuggester('grid') instanceof GridSuggester);
    assert.ok(getSuggester('random') instanceof RandomSuggester);
  });

  for (const name of ['nope', 'Random', '', 'toString', '__proto__', 'constructor']) {
    it(`rejects ${JSON.stringify(name)}, listing the known names`, () => {
      assert.throws(
        () => getSuggester(name),
        (err: unknown) =>
          err instanceof KatibError &&
          err.code === 'invalid_argument' &&
          err.field === 'spec.algorithm.algorithmName' &&
          err.message.includes(JSON.stringify(name)) &&
          err.message.includes(`known: ${knownAlgorithms().join(', ')}`),
      );
    });
  }
});
