/**
 * Experiment files under fuzzing: arbitrary YAML/JSON structures, and valid fixtures mutated as
 * objects (values swapped for odd ones, keys dropped) and as text. parseExperiment (and
 * loadExperimentFile, for a few) gives either a valid experiment, which the algorithm's and the
 * early stopper's settings checks then accept or refuse with a KatibError, or a KatibError
 * naming the field: never a TypeError or any other crash.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { KatibError } from '../../src/api/errors.js';
import type { Experiment } from '../../src/api/experiment.js';
import { getEarlyStopper, knownEarlyStoppers } from '../../src/earlystopping/index.js';
import {
  loadExperimentFile,
  type ParseOptions,
  parseExperiment,
  SpecValidationError,
} from '../../src/spec/index.js';
import { getSuggester, knownAlgorithms } from '../../src/suggestion/index.js';
import { fuzzParams } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE_FILES = [
  ...readdirSync(join(ROOT, 'test/fixtures/experiments')).map((f) =>
    join(ROOT, 'test/fixtures/experiments', f),
  ),
  ...['file-json', 'python-push', 'python-stdout', 'node-push'].map((d) =>
    join(ROOT, 'examples', d, 'experiment.yaml'),
  ),
].filter((f) => /\.(ya?ml|json)$/.test(f));
const TEXTS = FIXTURE_FILES.map((f) => readFileSync(f, 'utf8'));
const OPTIONS: ParseOptions[] = [
  {},
  { knownAlgorithms: knownAlgorithms(), knownEarlyStopping: knownEarlyStoppers(), runner: 'local' },
];

type Outcome = { ok: Experiment } | { refused: KatibError };

/** What `katib run` does with a document: parse, then the algorithm's and early stopper's own checks. */
function outcome(input: unknown, options: ParseOptions): Outcome {
  let experiment: Experiment;
  try {
    experiment = parseExperiment(input, options);
  } catch (err) {
    return { refused: checkedRefusal(err) };
  }
  try {
    getSuggester(experiment.spec.algorithm.algorithmName).validateSettings(experiment);
    const es = experiment.spec.earlyStopping;
    if (es?.algorithmName) getEarlyStopper(es.algorithmName).validateSettings(es);
  } catch (err) {
    assert.ok(err instanceof KatibError, `settings check crashed: ${(err as Error)?.stack ?? String(err)}`);
    return { refused: err };
  }
  return { ok: experiment };
}

function checkedRefusal(err: unknown): KatibError {
  assert.ok(err instanceof KatibError, `not a KatibError: ${(err as Error)?.stack ?? String(err)}`);
  assert.equal(err.code, 'invalid_argument', err.message);
  assert.ok(err instanceof SpecValidationError, err.message);
  assert.ok(err.issues.length > 0);
  for (const issue of err.issues) {
    assert.equal(typeof issue.path, 'string');
    assert.notEqual(issue.path, '', err.message);
  }
  assert.equal(err.field, err.issues[0]!.path);
  return err;
}

/** Values that break careless code: wrong types, odd numbers, prototype keys, big and deep things. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    true,
    0,
    -0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    'NaN',
    '-0',
    '1e999',
    '0x10',
    '__proto__',
    'constructor',
    'x'.repeat(10_000),
    [],
    {},
    [[[[[]]]]],
    { __proto__: { polluted: true } },
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { toString: 'not a function' },
  ),
  fc.anything({ maxDepth: 3, maxKeys: 4, withNullPrototype: true, withMap: true, withSet: true }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

type Path = (string | number)[];

function paths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths(v, [...at, i], out);
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

/** A fixture decoded, then changed at up to 4 random places. */
const mutatedDoc = fc
  .tuple(
    fc.nat(TEXTS.length - 1),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'delete', 'wrap', 'stringify'), oddValue), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([which, edits]) => {
    // biome-ignore lint/suspicious/noExplicitAny: a document mutated at random
    let doc: any = parseYaml(TEXTS[which]!);
    for (const [pick, kind, value] of edits) {
      const all = paths(doc);
      const path = all[pick % all.length]!;
      if (path.length === 0) {
        doc = kind === 'replace' ? value : doc;
        continue;
      }
      let parent = doc;
      for (const key of path.slice(0, -1)) parent = parent[key];
      const key = path.at(-1)!;
      if (kind === 'delete') {
        if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
        else delete parent[key];
      } else if (kind === 'wrap') parent[key] = [parent[key]];
      else if (kind === 'stringify') parent[key] = JSON.stringify(parent[key]) ?? 'undefined';
      else parent[key] = value;
    }
    return doc as unknown;
  });

const YAMLISH = [...':-[]{}&*!|>\'"%@`#,?\n\t \\0123456789.eE+~'];

/** A fixture's text edited at random places. */
const mutatedText = fc
  .tuple(
    fc.nat(TEXTS.length - 1),
    fc.array(fc.tuple(fc.constantFrom('cut', 'insert', 'delete'), fc.nat(), fc.constantFrom(...YAMLISH)), {
      minLength: 1,
      maxLength: 5,
    }),
  )
  .map(([which, edits]) => {
    let text = TEXTS[which]!;
    for (const [kind, at, ch] of edits) {
      const i = at % (text.length + 1);
      if (kind === 'cut') text = text.slice(0, i);
      else if (kind === 'insert') text = text.slice(0, i) + ch + text.slice(i);
      else text = text.slice(0, i) + text.slice(i + 1);
    }
    return text;
  });

const odd = fc.constantFrom(
  '',
  '---\n---\n',
  '- a\n- b\n',
  'a: &a [*a]\n',
  `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
  '!!binary aGVsbG8=',
  '? [a, b]\n: c\n',
  'apiVersion: kubeflow.org/v1beta1\nkind: Experiment\n',
  '{"apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment", "spec": null}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  '%YAML 1.2\n---\n!!map {}',
  'a: !!js/function "function(){}"',
  '\u0000',
  '\ufeffkind: Experiment',
);

describe('parseExperiment under fuzzing', () => {
  it('accepts every fixture as it is (the bases of the mutations)', () => {
    for (const [i, text] of TEXTS.entries()) {
      // As `katib run` reads them (a relative metrics file is fine for local trials).
      assert.ok('ok' in outcome(text, OPTIONS[1]!), FIXTURE_FILES[i]);
    }
  });

  it('mutated fixture documents: a valid experiment or a KatibError naming a field', () => {
    const seen = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(mutatedDoc, fc.constantFrom(...OPTIONS), (doc, options) => {
        seen['ok' in outcome(doc, options) ? 'ok' : 'refused']++;
      }),
      fuzzParams(1500),
    );
    assert.ok(seen.ok > 50 && seen.refused > 300, JSON.stringify(seen));
  });

  it('mutated fixture texts, odd YAML and arbitrary values: the same', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: mutatedText },
          odd,
          fc.string({ maxLength: 60, unit: 'binary' }),
          fc.anything({ maxDepth: 4, withNullPrototype: true }),
          fc.json({ maxDepth: 4 }),
        ),
        fc.constantFrom(...OPTIONS),
        (input, options) => {
          outcome(input, options);
        },
      ),
      fuzzParams(1500),
    );
  });

  it('prints no Node warning for a collection used as a key (yaml warned on stderr)', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      assert.ok('refused' in outcome('? [a, b]\n: c\n', {}));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.map((w) => w.message),
      [],
    );
  });

  const dir = mkdtempSync(join(tmpdir(), 'katib-fuzz-spec-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loadExperimentFile on mutated files: the same (a few runs: real files)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedText, odd, fc.uint8Array({ maxLength: 60 })), async (content) => {
        const file = join(dir, `e-${n++}.yaml`);
        writeFileSync(file, content);
        try {
          await loadExperimentFile(file, OPTIONS[1]!);
        } catch (err) {
          checkedRefusal(err);
        }
      }),
      fuzzParams(100),
    );
  });
});
