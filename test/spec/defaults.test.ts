import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KatibError } from '../../src/api/errors.js';
import {
  parseExperiment,
  parseExperimentWithWarnings,
  type SpecIssue,
  SpecValidationError,
} from '../../src/spec/index.js';
import { baseDoc, type Doc, docWith } from './helpers.js';

const parse = (change: (d: Doc) => void) => parseExperiment(docWith(change));

describe('defaults', () => {
  it('parallelTrialCount is 3, Katib default', () => {
    assert.equal(parse((d) => delete d.spec.maxTrialCount).spec.parallelTrialCount, 3);
    assert.equal(parse(() => {}).spec.parallelTrialCount, 3);
  });

  it('the default parallelism is lowered to a smaller maxTrialCount instead of failing', () => {
    for (const max of [1, 2]) {
      const e = parse((d) => (d.spec.maxTrialCount = max));
      assert.equal(e.spec.parallelTrialCount, max);
      assert.equal(e.spec.maxTrialCount, max);
    }
  });

  it('an explicit parallelTrialCount is kept', () => {
    assert.equal(parse((d) => (d.spec.parallelTrialCount = 6)).spec.parallelTrialCount, 6);
  });

  it('maxTrialCount and maxFailedTrialCount stay unset when not given', () => {
    const e = parse((d) => delete d.spec.maxTrialCount);
    assert.equal('maxTrialCount' in e.spec, false);
    assert.equal('maxFailedTrialCount' in e.spec, false);
    assert.equal(parse((d) => (d.spec.maxFailedTrialCount = 0)).spec.maxFailedTrialCount, 0);
  });

  it('resumePolicy is Never; an empty string counts as unset, as in Katib', () => {
    assert.equal(parse(() => {}).spec.resumePolicy, 'Never');
    assert.equal(parse((d) => (d.spec.resumePolicy = '')).spec.resumePolicy, 'Never');
    assert.equal(parse((d) => (d.spec.resumePolicy = 'LongRunning')).spec.resumePolicy, 'LongRunning');
  });

  it('metric strategies: min when minimizing, max when maximizing, latest for additional metrics, one per metric', () => {
    const max = parse((d) => (d.spec.objective.additionalMetricNames = ['loss', 'f1']));
    assert.deepEqual(max.spec.objective.metricStrategies, [
      { name: 'accuracy', value: 'max' },
      { name: 'loss', value: 'latest' },
      { name: 'f1', value: 'latest' },
    ]);
    const min = parse((d) =>
      Object.assign(d.spec.objective, { type: 'minimize', objectiveMetricName: 'loss' }),
    );
    assert.deepEqual(min.spec.objective.metricStrategies, [{ name: 'loss', value: 'min' }]);
    assert.deepEqual(min.spec.objective.additionalMetricNames, []);
  });

  it('explicit strategies are kept, in objective-then-additional order', () => {
    const e = parse((d) =>
      Object.assign(d.spec.objective, {
        additionalMetricNames: ['loss'],
        metricStrategies: [
          { name: 'loss', value: 'min' },
          { name: 'accuracy', value: 'latest' },
        ],
      }),
    );
    assert.deepEqual(e.spec.objective.metricStrategies, [
      { name: 'accuracy', value: 'latest' },
      { name: 'loss', value: 'min' },
    ]);
  });

  it('numeric parameters get distribution uniform; categorical ones none', () => {
    const e = parse(() => {});
    assert.deepEqual(
      e.spec.parameters.map((p) => p.feasibleSpace.distribution),
      ['uniform', 'uniform', undefined],
    );
    assert.deepEqual(e.spec.parameters[2]!.feasibleSpace, { list: ['sgd', 'adam'] });
  });

  it('unquoted numbers in feasible spaces and settings are read as Katib strings', () => {
    const e = parse((d) => {
      d.spec.parameters[0].feasibleSpace = { min: 0.001, max: 0.1, step: 0.001 };
      d.spec.parameters[2] = {
        name: 'optimizer',
        parameterType: 'discrete',
        feasibleSpace: { list: [16, 32] },
      };
      d.spec.algorithm.algorithmSettings = [{ name: 'random_state', value: 7 }];
    });
    assert.deepEqual(e.spec.parameters[0]!.feasibleSpace, {
      min: '0.001',
      max: '0.1',
      step: '0.001',
      distribution: 'uniform',
    });
    assert.deepEqual(e.spec.parameters[2]!.feasibleSpace.list, ['16', '32']);
    assert.deepEqual(e.spec.algorithm.algorithmSettings, [{ name: 'random_state', value: '7' }]);
  });

  it('collector: StdOut by default, no source', () => {
    assert.deepEqual(parse(() => {}).spec.metricsCollectorSpec, { collector: { kind: 'StdOut' } });
    assert.deepEqual(parse((d) => (d.spec.metricsCollectorSpec = {})).spec.metricsCollectorSpec, {
      collector: { kind: 'StdOut' },
    });
  });

  it('collector File: Katib path, kind File and format TEXT', () => {
    const e = parse((d) => (d.spec.metricsCollectorSpec = { collector: { kind: 'File' } }));
    assert.deepEqual(e.spec.metricsCollectorSpec, {
      collector: { kind: 'File' },
      source: { fileSystemPath: { path: '/var/log/katib/metrics.log', kind: 'File', format: 'TEXT' } },
    });
  });

  it('collector TensorFlowEvent and PrometheusMetric: Katib defaults', () => {
    const tf = parse((d) => (d.spec.metricsCollectorSpec = { collector: { kind: 'TensorFlowEvent' } }));
    assert.deepEqual(tf.spec.metricsCollectorSpec.source, {
      fileSystemPath: { path: '/var/log/katib/tfevent/', kind: 'Directory' },
    });
    const prom = parse((d) => (d.spec.metricsCollectorSpec = { collector: { kind: 'PrometheusMetric' } }));
    assert.deepEqual(prom.spec.metricsCollectorSpec.source, { httpGet: { path: '/metrics', port: 8080 } });
    const port = parse(
      (d) =>
        (d.spec.metricsCollectorSpec = {
          collector: { kind: 'PrometheusMetric' },
          source: { httpGet: { port: '9090' } },
        }),
    );
    assert.equal(port.spec.metricsCollectorSpec.source?.httpGet?.port, 9090);
  });

  it('legacy collector kind None is read as Push, with a warning', () => {
    const { experiment, warnings } = parseExperimentWithWarnings(
      docWith((d) => (d.spec.metricsCollectorSpec = { collector: { kind: 'None' } })),
    );
    assert.deepEqual(experiment.spec.metricsCollectorSpec, { collector: { kind: 'Push' } });
    assert.deepEqual(warnings, [
      {
        path: 'spec.metricsCollectorSpec.collector.kind',
        value: 'None',
        rule: 'is the old name of Push: read as Push',
      },
    ]);
  });

  it("primaryContainerName defaults to the Job's only container; Job conditions get Katib's defaults", () => {
    const e = parse((d) => delete d.spec.trialTemplate.primaryContainerName);
    assert.equal(e.spec.trialTemplate.primaryContainerName, 'main');
    assert.equal(
      e.spec.trialTemplate.successCondition,
      'status.conditions.#(type=="Complete")#|#(status=="True")#',
    );
    assert.equal(
      e.spec.trialTemplate.failureCondition,
      'status.conditions.#(type=="Failed")#|#(status=="True")#',
    );
  });

  it('metadata keeps name, namespace and labels; other Kubernetes metadata is dropped', () => {
    const e = parse((d) => {
      d.metadata = {
        name: 'demo',
        namespace: 'kubeflow',
        labels: { team: 'a' },
        uid: 'x',
        resourceVersion: '1',
      };
    });
    assert.deepEqual(e.metadata, { name: 'demo', namespace: 'kubeflow', labels: { team: 'a' } });
    assert.equal(e.apiVersion, 'kubeflow.org/v1beta1');
    assert.equal(e.kind, 'Experiment');
  });

  it('the result shares nothing with the input', () => {
    const doc = baseDoc();
    const e = parseExperiment(doc);
    doc.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command.push('--evil');
    doc.spec.parameters[0].feasibleSpace.min = '9';
    const command = (e.spec.trialTemplate.trialSpec as Doc).spec.template.spec.containers[0].command;
    assert.equal(command.includes('--evil'), false);
    assert.equal(e.spec.parameters[0]!.feasibleSpace.min, '0.01');
  });

  it('a status in the file is ignored with a warning', () => {
    const warnings: SpecIssue[] = [];
    parseExperiment(
      docWith((d) => (d.status = { trials: 3 })),
      { onWarning: (w) => warnings.push(w) },
    );
    assert.deepEqual(
      warnings.map((w) => w.path),
      ['status'],
    );
  });
});

describe('every problem at once', () => {
  const broken = docWith((d) => {
    d.metadata.name = 'Demo';
    d.spec.parameters[0].feasibleSpace.min = 'low';
    d.spec.objective.type = 'best';
    d.spec.parallelTrialCount = 0;
    d.spec.metricsCollectorSpec = {
      collector: { kind: 'File' },
      source: { fileSystemPath: { path: 'rel' } },
    };
    d.spec.trialTemplate.primaryContainerName = 'trainer';
    d.spec.maxTrailCount = 4;
  });

  it('lists each problem with its path, value and rule, one per line', () => {
    let error: unknown;
    try {
      parseExperiment(broken, { source: 'broken.yaml' });
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof SpecValidationError);
    assert.ok(error instanceof KatibError);
    assert.equal(error.code, 'invalid_argument');
    assert.deepEqual(
      error.issues.map((i) => i.path),
      [
        'metadata.name',
        'spec.maxTrailCount',
        'spec.parameters[0].feasibleSpace.min',
        'spec.objective.type',
        'spec.parallelTrialCount',
        'spec.metricsCollectorSpec.source.fileSystemPath.path',
        'spec.trialTemplate.primaryContainerName',
      ],
    );
    const lines = error.message.split('\n');
    assert.equal(lines[0], 'invalid Experiment broken.yaml: 7 problems');
    assert.equal(lines.length, 8);
    assert.equal(
      lines[3],
      '  spec.parameters[0].feasibleSpace.min: "low" must be a number for parameterType double',
    );
    assert.equal(lines[5], '  spec.parallelTrialCount: 0 must be greater than 0');
    assert.equal(error.field, 'metadata.name');
    assert.deepEqual(error.issues[1], {
      path: 'spec.maxTrailCount',
      value: 4,
      rule: 'is not a field Katib knows here (did you mean "maxTrialCount"?)',
    });
  });
});
