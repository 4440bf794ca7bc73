import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import {
  loadExperimentFile,
  loadExperimentFileWithWarnings,
  parseExperiment,
  SpecValidationError,
} from '../../src/spec/index.js';
import { problems } from './helpers.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'experiments');
const OPTIONS = {
  knownAlgorithms: ['random', 'grid', 'tpe', 'bayesianoptimization'],
  knownEarlyStopping: ['medianstop'],
  runner: 'local' as const,
};

describe('Katib-style example experiments parse as they are', () => {
  it('random search over a PyTorch Job', async () => {
    const { experiment: e, warnings } = await loadExperimentFileWithWarnings(
      join(DIR, 'random-pytorch.yaml'),
      OPTIONS,
    );
    assert.deepEqual(e.metadata, { name: 'random', namespace: 'kubeflow' });
    assert.equal(e.spec.algorithm.algorithmName, 'random');
    assert.deepEqual(
      [e.spec.parallelTrialCount, e.spec.maxTrialCount, e.spec.maxFailedTrialCount],
      [3, 12, 3],
    );
    assert.deepEqual(e.spec.objective, {
      type: 'minimize',
      goal: 0.001,
      objectiveMetricName: 'loss',
      additionalMetricNames: [],
      metricStrategies: [{ name: 'loss', value: 'min' }],
    });
    assert.deepEqual(e.spec.parameters[1], {
      name: 'momentum',
      parameterType: 'double',
      feasibleSpace: { min: '0.5', max: '0.9', distribution: 'uniform' },
    });
    assert.equal(e.spec.trialTemplate.primaryContainerName, 'training-container');
    assert.deepEqual(
      warnings.map((w) => w.path),
      ['spec.trialTemplate.trialSpec.spec.template.spec.containers[0].image'],
    );
  });

  it('grid search with steps', async () => {
    const e = await loadExperimentFile(join(DIR, 'grid.yaml'), OPTIONS);
    assert.equal(e.spec.algorithm.algorithmName, 'grid');
    assert.deepEqual(
      e.spec.parameters.map((p) => p.feasibleSpace.step),
      ['0.01', '0.1'],
    );
  });

  it("File collector with Katib's own metricsFormat", async () => {
    const e = await loadExperimentFile(join(DIR, 'file-metrics-collector.yaml'), OPTIONS);
    assert.deepEqual(e.spec.metricsCollectorSpec, {
      collector: { kind: 'File' },
      source: {
        fileSystemPath: { path: '/katib/mnist.log', kind: 'File', format: 'TEXT' },
        filter: { metricsFormat: ['{metricName: ([\\w|-]+), metricValue: ((-?\\d+)(\\.\\d+)?)}'] },
      },
    });
    assert.deepEqual(e.spec.objective.metricStrategies, [
      { name: 'accuracy', value: 'max' },
      { name: 'loss', value: 'latest' },
    ]);
  });

  it('Push collector, TPE with medianstop, every parameter type, a metadata reference', async () => {
    const e = await loadExperimentFile(join(DIR, 'push.yaml'), OPTIONS);
    assert.deepEqual(e.spec.metricsCollectorSpec, { collector: { kind: 'Push' } });
    assert.equal(e.spec.parallelTrialCount, 2, 'default 3 lowered to maxTrialCount 2');
    assert.deepEqual(e.spec.earlyStopping, {
      algorithmName: 'medianstop',
      algorithmSettings: [
        { name: 'min_trials_required', value: '2' },
        { name: 'start_step', value: '5' },
      ],
    });
    assert.deepEqual(
      e.spec.parameters.map((p) => [p.parameterType, p.feasibleSpace.distribution]),
      [
        ['double', 'logUniform'],
        ['int', 'uniform'],
        ['categorical', undefined],
        ['discrete', undefined],
      ],
    );
    assert.equal(e.spec.trialTemplate.primaryContainerName, 'training');
    assert.equal(e.spec.trialTemplate.retain, true);
    assert.equal(e.metadata.namespace, undefined);
  });

  it('a JSON experiment with explicit metric strategies', async () => {
    const e = await loadExperimentFile(join(DIR, 'medianstop.json'), OPTIONS);
    assert.deepEqual(e.spec.objective.metricStrategies, [
      { name: 'Validation-accuracy', value: 'latest' },
      { name: 'Train-accuracy', value: 'latest' },
    ]);
    assert.equal(e.spec.parallelTrialCount, 2);
  });

  it('the examples also parse with no options (any algorithm, any runner)', async () => {
    for (const file of [
      'random-pytorch.yaml',
      'grid.yaml',
      'file-metrics-collector.yaml',
      'push.yaml',
      'medianstop.json',
    ]) {
      await loadExperimentFile(join(DIR, file));
    }
  });
});

describe('reading files and YAML', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'katib-spec-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a missing file is not_found, naming the path', async () => {
    const path = join(dir, 'nope.yaml');
    await assert.rejects(loadExperimentFile(path), (err: unknown) => {
      assert.ok(err instanceof KatibError);
      assert.equal(err.code, 'not_found');
      assert.match(err.message, /nope\.yaml: no such experiment file/);
      return true;
    });
  });

  it('a directory is invalid_argument', async () => {
    await assert.rejects(
      loadExperimentFile(dir),
      (err: unknown) => err instanceof KatibError && err.code === 'invalid_argument',
    );
  });

  it('YAML syntax errors name the file, line and column', async () => {
    const path = join(dir, 'broken.yaml');
    await writeFile(
      path,
      'apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nspec:\n  parameters: [a, b\n  objective: {}\n',
    );
    await assert.rejects(loadExperimentFile(path), (err: unknown) => {
      assert.ok(err instanceof SpecValidationError);
      assert.ok(err.message.startsWith(`invalid Experiment ${path}: 1 problem\n`), err.message);
      assert.match(err.issues[0]!.path, /^line \d+, column \d+$/);
      return true;
    });
  });

  it('duplicate keys are an error, not last-one-wins', () => {
    const issues = problems('apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nkind: Experiment\n');
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.path, 'line 3, column 1');
    assert.match(issues[0]!.rule, /unique/);
  });

  it('an empty document says what was expected', () => {
    assert.deepEqual(problems('# nothing here\n'), [
      {
        path: 'document',
        value: undefined,
        rule: 'is empty: expected a Katib Experiment (apiVersion: kubeflow.org/v1beta1, kind: Experiment)',
      },
    ]);
  });

  it('a stream with one Experiment among other resources reads the Experiment', async () => {
    const yaml = `apiVersion: v1\nkind: Namespace\nmetadata: {name: kubeflow}\n---\n${await readFixture('grid.yaml')}`;
    assert.equal(parseExperiment(yaml).metadata.name, 'grid');
  });

  it('a stream with two Experiments is refused', async () => {
    const grid = await readFixture('grid.yaml');
    const issues = problems(`${grid}\n---\n${grid}`);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['document'],
    );
    assert.match(issues[0]!.rule, /2 of them kind Experiment: expected exactly one/);
  });

  it('a scalar document is not an Experiment', () => {
    assert.deepEqual(
      problems('just text').map((i) => i.path),
      ['document'],
    );
  });

  it('YAML anchors and aliases work', async () => {
    const grid = (await readFixture('grid.yaml'))
      .replace(
        '      feasibleSpace:\n        min: "0.01"',
        '      feasibleSpace: &space\n        min: "0.01"',
      )
      .replace(
        '      feasibleSpace:\n        min: "0.5"\n        max: "0.9"\n        step: "0.1"',
        '      feasibleSpace: *space',
      );
    assert.ok(grid.includes('*space'));
    const e = parseExperiment(grid);
    assert.deepEqual(e.spec.parameters[1]!.feasibleSpace, e.spec.parameters[0]!.feasibleSpace);
  });

  it('alias bombs are refused as a problem', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    assert.deepEqual(problems(bomb), [
      {
        path: 'document',
        value: undefined,
        rule: 'cannot be read: Excessive alias count indicates a resource exhaustion attack',
      },
    ]);
  });
});

async function readFixture(name: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(join(DIR, name), 'utf8');
}
