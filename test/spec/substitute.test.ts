import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  loadExperimentFile,
  parseExperiment,
  SpecValidationError,
  substituteTrialTemplate,
} from '../../src/spec/index.js';
import { type Doc, docWith, M, P } from './helpers.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'experiments');
const ASSIGNMENTS = [
  { name: 'lr', value: '0.05' },
  { name: 'layers', value: '3' },
  { name: 'optimizer', value: 'adam' },
];
const commandOf = (spec: Doc): string[] => spec.spec.template.spec.containers[0].command;

describe('substituteTrialTemplate', () => {
  it('fills trialParameters placeholders with the referenced assignment and names the resource after the trial', async () => {
    const e = await loadExperimentFile(join(DIR, 'random-pytorch.yaml'));
    const before = structuredClone(e);
    const spec = substituteTrialTemplate(e, {
      trialName: 'random-abc123',
      assignments: [
        { name: 'lr', value: '0.021' },
        { name: 'momentum', value: '0.66' },
      ],
    });
    assert.deepEqual(commandOf(spec), [
      'python3',
      '/opt/pytorch-mnist/mnist.py',
      '--epochs=1',
      '--batch-size=16',
      '--lr=0.021',
      '--momentum=0.66',
    ]);
    assert.deepEqual(spec.metadata, { name: 'random-abc123', namespace: 'kubeflow' });
    assert.equal(spec.kind, 'Job');
    assert.deepEqual(e, before, 'the experiment is not modified');
  });

  it('takes assignments as a name -> value map too', () => {
    const e = parseExperiment(docWith(() => {}));
    const spec = substituteTrialTemplate(e, {
      trialName: 't1',
      assignments: { lr: '0.05', layers: '3', optimizer: 'adam' },
    });
    assert.deepEqual(commandOf(spec).slice(2), ['--lr=0.05', '--layers=3', '--optimizer=adam']);
  });

  it('namespace: the option, else the experiment\'s, else "default"', () => {
    const e = parseExperiment(docWith(() => {}));
    assert.equal(
      (substituteTrialTemplate(e, { trialName: 't', assignments: ASSIGNMENTS }).metadata as Doc).namespace,
      'default',
    );
    const ns = parseExperiment(docWith((d) => (d.metadata.namespace = 'team-a')));
    assert.equal(
      (substituteTrialTemplate(ns, { trialName: 't', assignments: ASSIGNMENTS }).metadata as Doc).namespace,
      'team-a',
    );
    const opt = substituteTrialTemplate(ns, { trialName: 't', namespace: 'other', assignments: ASSIGNMENTS });
    assert.equal((opt.metadata as Doc).namespace, 'other');
  });

  it("fills Katib's metadata references: Name, Namespace, Kind, APIVersion, Labels[key], Annotations[key]", () => {
    const refs: [string, string][] = [
      ['trialName', 'Name'],
      ['trialNamespace', 'Namespace'],
      ['kind', 'Kind'],
      ['apiVersion', 'APIVersion'],
      ['team', 'Labels[team]'],
      ['owner', 'Annotations[example.com/owner]'],
    ];
    const e = parseExperiment(
      docWith((d) => {
        d.spec.trialTemplate.trialSpec.metadata = {
          labels: { team: 'vision' },
          annotations: { 'example.com/owner': 'ana' },
        };
        for (const [name, key] of refs) {
          d.spec.trialTemplate.trialParameters.push({ name, reference: M(key) });
          d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command.push(
            `--${name}=${P(name)}`,
          );
        }
      }),
    );
    const spec = substituteTrialTemplate(e, {
      trialName: 'demo-x1',
      namespace: 'ns1',
      assignments: ASSIGNMENTS,
    });
    assert.deepEqual(commandOf(spec).slice(5), [
      '--trialName=demo-x1',
      '--trialNamespace=ns1',
      '--kind=Job',
      '--apiVersion=batch/v1',
      '--team=vision',
      '--owner=ana',
    ]);
    assert.deepEqual(spec.metadata, {
      labels: { team: 'vision' },
      annotations: { 'example.com/owner': 'ana' },
      name: 'demo-x1',
      namespace: 'ns1',
    });
  });

  it('fills a trialSpec.Name placeholder written directly in the trialSpec (Katib would leave it)', () => {
    const e = parseExperiment(
      docWith((d) =>
        d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command.push(
          `--out=/runs/${M('Name')}`,
        ),
      ),
    );
    const spec = substituteTrialTemplate(e, { trialName: 'demo-7', assignments: ASSIGNMENTS });
    assert.equal(commandOf(spec).at(-1), '--out=/runs/demo-7');
  });

  it('inserts values as text, once: a value that looks like a placeholder stays as it is', () => {
    const e = parseExperiment(
      docWith((d) => {
        d.spec.parameters[2].feasibleSpace.list.push(P('layers'));
        const c = d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0];
        c.env = [{ name: 'LR', value: P('learningRate') }];
        d.spec.trialTemplate.trialSpec.spec.template.metadata = { labels: { [`lr-${P('layers')}`]: 'x' } };
      }),
    );
    const spec: Doc = substituteTrialTemplate(e, {
      trialName: 't',
      assignments: [
        { name: 'lr', value: '1e-3' },
        { name: 'layers', value: '2' },
        { name: 'optimizer', value: P('layers') },
      ],
    });
    assert.equal(commandOf(spec).at(-1), `--optimizer=${P('layers')}`);
    assert.deepEqual(spec.spec.template.spec.containers[0].env, [{ name: 'LR', value: '1e-3' }]);
    assert.deepEqual(spec.spec.template.metadata.labels, { 'lr-2': 'x' }, 'keys are substituted too');
  });

  const failures: [string, (e: ReturnType<typeof parseExperiment>) => void, string, RegExp][] = [
    [
      'a missing assignment',
      (e) => substituteTrialTemplate(e, { trialName: 't', assignments: ASSIGNMENTS.slice(0, 2) }),
      'assignments',
      /has no value for parameter "optimizer" \(trialParameters\[2\] optimizer references it\)/,
    ],
    [
      'an assignment of no parameter',
      (e) =>
        substituteTrialTemplate(e, {
          trialName: 't',
          assignments: [...ASSIGNMENTS, { name: 'momentum', value: '1' }],
        }),
      'assignments[3].name',
      /is not a parameter of the experiment \(lr, layers, optimizer\)/,
    ],
    [
      'a repeated assignment',
      (e) =>
        substituteTrialTemplate(e, {
          trialName: 't',
          assignments: [...ASSIGNMENTS, { name: 'lr', value: '1' }],
        }),
      'assignments[3].name',
      /is assigned twice/,
    ],
    [
      'a value that is not text',
      (e) =>
        substituteTrialTemplate(e, {
          trialName: 't',
          assignments: { lr: 0.1 as unknown as string, layers: '1', optimizer: 'sgd' },
        }),
      'assignments.lr',
      /must be a string/,
    ],
    [
      'an empty trial name',
      (e) => substituteTrialTemplate(e, { trialName: '', assignments: ASSIGNMENTS }),
      'trialName',
      /must be a non-empty string/,
    ],
  ];
  for (const [name, call, path, rule] of failures) {
    it(`refuses ${name}, naming the field`, () => {
      const e = parseExperiment(docWith(() => {}));
      assert.throws(
        () => call(e),
        (err: unknown) => {
          assert.ok(err instanceof SpecValidationError);
          assert.equal(err.code, 'invalid_argument');
          assert.deepEqual(
            err.issues.map((i) => i.path),
            [path],
          );
          assert.match(err.issues[0]!.rule, rule);
          assert.match(err.message, /^cannot build trial "[^"]*" from the trial template: 1 problem\n/);
          return true;
        },
      );
    });
  }
});
