import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandKubernetesVars, localCommandOf, SpecValidationError } from '../../src/spec/index.js';
import type { Doc } from './helpers.js';

/** A batch/v1 Job whose pod runs `containers`; `jobSpec` and `podSpec` add fields. */
function job(containers: Doc[], jobSpec: Doc = {}, podSpec: Doc = {}): Doc {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'trial-1', namespace: 'default' },
    spec: { ...jobSpec, template: { spec: { containers, restartPolicy: 'Never', ...podSpec } } },
  };
}
const C = 'trialSpec.spec.template.spec.containers';

/** The problems localCommandOf reports, as `path: rule`. */
function refusal(spec: unknown, primary?: string): string[] {
  try {
    localCommandOf(spec, primary);
  } catch (err) {
    assert.ok(err instanceof SpecValidationError);
    assert.equal(err.code, 'invalid_argument');
    assert.match(err.message, /^trialSpec cannot run as a local command: \d+ problems?\n/);
    return err.issues.map((i) => `${i.path}: ${i.rule}`);
  }
  assert.fail('expected localCommandOf to refuse');
}

describe('localCommandOf', () => {
  it('runs command followed by args, with env, workingDir and the deadline; image is one warning', () => {
    const result = localCommandOf(
      job(
        [
          {
            name: 'training',
            image: 'python:3.11',
            command: ['python3', 'train.py'],
            args: ['--lr=0.1', '--epochs=2'],
            env: [{ name: 'A', value: '1' }, { name: 'EMPTY' }],
            workingDir: '/tmp/work',
          },
        ],
        { activeDeadlineSeconds: 600 },
      ),
      'training',
    );
    assert.deepEqual(result, {
      command: ['python3', 'train.py', '--lr=0.1', '--epochs=2'],
      env: { A: '1', EMPTY: '' },
      workingDir: '/tmp/work',
      activeDeadlineSeconds: 600,
      warnings: [
        `${C}[0].image: "python:3.11" is ignored: the command runs on this machine, not in the image`,
      ],
    });
  });

  it('takes the only container when no primaryContainerName is given', () => {
    const result = localCommandOf(job([{ name: 'x', command: ['true'] }]));
    assert.deepEqual(result, { command: ['true'], env: {}, warnings: [] });
  });

  it('picks the primary container among several and warns that the others do not run', () => {
    const result = localCommandOf(
      job([
        { name: 'proxy', command: ['envoy'] },
        { name: 'training', command: ['python3', 'train.py'] },
      ]),
      'training',
    );
    assert.deepEqual(result.command, ['python3', 'train.py']);
    assert.deepEqual(result.warnings, [`${C}: ["proxy","training"] runs only "training" locally; not proxy`]);
  });

  it("the shorter of the Job's and the pod's activeDeadlineSeconds wins", () => {
    const spec = job(
      [{ name: 'x', command: ['true'] }],
      { activeDeadlineSeconds: 300 },
      { activeDeadlineSeconds: 120 },
    );
    assert.equal(localCommandOf(spec).activeDeadlineSeconds, 120);
  });

  it('expands $(VAR) in command, args and env values as Kubernetes does', () => {
    const result = localCommandOf(
      job([
        {
          name: 'x',
          command: ['sh', '-c', 'echo $(GREETING) $$(NOT) $(UNDEFINED) $HOME'],
          args: ['$(DIR)/out'],
          env: [
            { name: 'NAME', value: 'katib' },
            { name: 'GREETING', value: 'hello-$(NAME)' },
            { name: 'DIR', value: '/runs/$(LATER)' },
            { name: 'LATER', value: 'x' },
          ],
        },
      ]),
    );
    assert.deepEqual(result.command, [
      'sh',
      '-c',
      'echo hello-katib $(NOT) $(UNDEFINED) $HOME',
      '/runs/$(LATER)/out',
    ]);
    assert.equal(result.env.GREETING, 'hello-katib');
  });

  it('a later env entry of the same name wins', () => {
    const result = localCommandOf(
      job([
        {
          name: 'x',
          command: ['true'],
          env: [
            { name: 'A', value: '1' },
            { name: 'A', value: '2' },
          ],
        },
      ]),
    );
    assert.deepEqual(result.env, { A: '2' });
  });

  it('warns for initContainers and volumeMounts, which have no local meaning', () => {
    const result = localCommandOf(
      job(
        [{ name: 'x', command: ['true'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        {},
        {
          initContainers: [{ name: 'init', command: ['true'] }],
        },
      ),
    );
    assert.deepEqual(
      result.warnings.map((w) => w.split(':')[0]),
      ['trialSpec.spec.template.spec.initContainers', `${C}[0].volumeMounts`],
    );
  });

  const refusals: [string, unknown, string | undefined, string[]][] = [
    [
      'a trialSpec that is not a mapping',
      'job',
      undefined,
      ['trialSpec: must be a Kubernetes resource (a mapping)'],
    ],
    [
      'another kind',
      { apiVersion: 'kubeflow.org/v1', kind: 'TFJob', spec: {} },
      undefined,
      ['trialSpec.kind: is not a batch/v1 Job: only a Job can run as a local command'],
    ],
    [
      'a Job of another API version',
      { ...job([{ name: 'x', command: ['true'] }]), apiVersion: 'batch/v2' },
      undefined,
      ['trialSpec.apiVersion: is not a batch/v1 Job: only a Job can run as a local command'],
    ],
    ['a Job without containers', job([]), undefined, [`${C}: must list at least one container`]],
    [
      'a Job without a pod template',
      { apiVersion: 'batch/v1', kind: 'Job', spec: {} },
      undefined,
      [`${C}: must list at least one container`],
    ],
    [
      'args without command',
      job([{ name: 'x', image: 'img', args: ['--lr=1'] }]),
      undefined,
      [
        `${C}[0].command: is required to run locally: args alone run the image's entrypoint, which does not exist outside the image`,
      ],
    ],
    [
      'neither command nor args',
      job([{ name: 'x', image: 'img' }]),
      undefined,
      [
        `${C}[0].command: is required to run locally: without it the image's default command runs, which does not exist outside the image`,
      ],
    ],
    [
      'env from a Secret',
      job([
        {
          name: 'x',
          command: ['true'],
          env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        },
      ]),
      undefined,
      [
        `${C}[0].env[0].valueFrom: is not supported locally (no Secrets, ConfigMaps or Pod fields here): set value`,
      ],
    ],
    [
      'envFrom',
      job([{ name: 'x', command: ['true'], envFrom: [{ configMapRef: { name: 'c' } }] }]),
      undefined,
      [
        `${C}[0].envFrom: is not supported locally (no ConfigMaps or Secrets here): list the variables under env`,
      ],
    ],
    [
      'an unquoted number as an env value',
      job([{ name: 'x', command: ['true'], env: [{ name: 'PORT', value: 8080 }] }]),
      undefined,
      [`${C}[0].env[0].value: must be a string (quote it in YAML)`],
    ],
    [
      'numbers in command and args',
      job([{ name: 'x', command: ['sleep', 5], args: [true] }]),
      undefined,
      [
        `${C}[0].command[1]: must be a string (quote it in YAML)`,
        `${C}[0].args[0]: must be a string (quote it in YAML)`,
      ],
    ],
    [
      'several containers and no primary',
      job([
        { name: 'a', command: ['true'] },
        { name: 'b', command: ['true'] },
      ]),
      undefined,
      [`${C}: has several containers: name the one to run with primaryContainerName`],
    ],
    [
      'a primary container that is not there',
      job([{ name: 'a', command: ['true'] }]),
      'main',
      [`${C}: has no container named "main" (primaryContainerName)`],
    ],
    [
      'a bad deadline',
      job([{ name: 'x', command: ['true'] }], { activeDeadlineSeconds: '10m' }),
      undefined,
      ['trialSpec.spec.activeDeadlineSeconds: must be a positive integer (seconds)'],
    ],
    [
      'a workingDir that is not text',
      job([{ name: 'x', command: ['true'], workingDir: 7 }]),
      undefined,
      [`${C}[0].workingDir: must be a string`],
    ],
  ];
  for (const [name, spec, primary, expected] of refusals) {
    it(`refuses ${name}, naming the field`, () => {
      assert.deepEqual(refusal(spec, primary), expected);
    });
  }
});

describe('expandKubernetesVars', () => {
  const env: Record<string, string> = { A: 'x', EMPTY: '' };
  const lookup = (n: string) => env[n];
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['$(A)', 'x'],
    ['pre-$(A)-post', 'pre-x-post'],
    ['$(EMPTY)|', '|'],
    ['$$(A)', '$(A)'],
    ['$$', '$'],
    ['$$$(A)', '$x'],
    ['$(B)', '$(B)'],
    ['$(A', '$(A'],
    ['$($(A)', '$($(A)'],
    ['$(A $(A', '$(A $(A'],
    ['$A', '$A'],
    ['cost: 5$', 'cost: 5$'],
    ['$()', '$()'],
  ];
  for (const [input, output] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(output)}`, () => {
      assert.equal(expandKubernetesVars(input, lookup), output);
    });
  }
});
