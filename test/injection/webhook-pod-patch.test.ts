/**
 * The admission webhook's pod mutation (src/injection/webhook/pod-patch.ts) as a table, in the
 * manner of Katib's own webhook test: a Pod and the webhook's settings in, the JSON patch and
 * warnings out, one row per case. The HTTPS server around it: webhook.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ANNOTATIONS,
  mutateTrialPod,
  type PatchOp,
  type PodMutation,
  TRIAL_LABEL,
  type WebhookOptions,
} from '../../src/injection/webhook/pod-patch.js';

const OPTIONS: WebhookOptions = {
  dbManagerAddress: 'katib-db-manager.kubeflow:6789',
  dbManagerHttpAddress: 'katib-db-manager.kubeflow:8080',
  shimsConfigMap: 'katib-ts-shims',
};

type Json = Record<string, unknown>;

/** A trial Pod: `containers` as given, the trial label, `annotations` (default: metric names loss). */
function trialPod(
  containers: Json[],
  annotations: Record<string, string> | null = { [ANNOTATIONS.metricNames]: 'loss' },
  spec: Json = {},
): Json {
  return {
    metadata: {
      name: 'exp-t1-abcde',
      labels: { [TRIAL_LABEL]: 'exp-t1' },
      ...(annotations === null ? {} : { annotations }),
    },
    spec: { containers, ...spec },
  };
}

const ADDRESSES = [
  { name: 'KATIB_TRIAL_NAME', value: 'exp-t1' },
  { name: 'KATIB_DB_MANAGER_ADDRESS', value: 'katib-db-manager.kubeflow:6789' },
  { name: 'KATIB_DB_MANAGER_HTTP_ADDRESS', value: 'katib-db-manager.kubeflow:8080' },
];
const SHIM_ENV = [
  { name: 'PYTHONPATH', value: '/katib-injection/python' },
  { name: 'NODE_OPTIONS', value: '--import=/katib-injection/node/katib-preload.mjs' },
];
const VOLUME = {
  name: 'katib-injection-shims',
  configMap: {
    name: 'katib-ts-shims',
    items: [
      { key: 'sitecustomize.py', path: 'python/sitecustomize.py' },
      { key: 'katib_push_client.py', path: 'python/katib_push_client.py' },
      { key: 'katib-preload.mjs', path: 'node/katib-preload.mjs' },
    ],
  },
};
const MOUNT = { name: 'katib-injection-shims', mountPath: '/katib-injection', readOnly: true };
const NOTE_PATH = '/metadata/annotations/katib-ts.kubeflow.org~1injection';

/** A Katib metricsFormat list, as the annotation holds it (JSON). */
const FORMAT = '["([\\\\w|-]+)\\\\s*=\\\\s*([+-]?\\\\d*(\\\\.\\\\d+)?)"]';

/** The env of a Push trial whose metric names are `names`, shims mounted. */
const pushEnv = (names = 'loss', ...more: Json[]): Json[] => [
  ...ADDRESSES,
  { name: 'KATIB_METRIC_NAMES', value: names },
  ...more,
  ...SHIM_ENV,
];

/**
 * The patch for a primary container (at `container`) and Pod with no env, volumes or mounts yet:
 * `env` added, the shims mounted, `note` in the injection annotation.
 */
function freshPatch(env: Json[], note: string, container = '/spec/containers/0'): PatchOp[] {
  return [
    { op: 'add', path: `${container}/env`, value: env },
    { op: 'add', path: '/spec/volumes', value: [VOLUME] },
    { op: 'add', path: `${container}/volumeMounts`, value: [MOUNT] },
    { op: 'add', path: NOTE_PATH, value: note },
  ];
}

interface Row {
  name: string;
  pod: unknown;
  /** The mutation; undefined: the Pod is allowed untouched. RegExps match strings (rewritten code). */
  want?: PodMutation;
  /** The Pod is refused with this message. */
  error?: RegExp;
}

const ROWS: Row[] = [
  { name: 'not a trial Pod (no trial label): untouched', pod: { metadata: {}, spec: { containers: [{}] } } },
  {
    name: 'a trial of another collector kind: untouched',
    pod: trialPod([{ name: 'training', command: ['python3', 'train.py'] }], {
      [ANNOTATIONS.collectorKind]: 'StdOut',
    }),
  },
  {
    name: 'a script from the image: env set, shims mounted (new volumes, mounts and env lists)',
    pod: trialPod([{ name: 'training', command: ['python3', 'train.py'] }]),
    want: {
      patch: freshPatch(pushEnv(), 'runtime shims mounted'),
      warnings: [],
    },
  },
  {
    name: 'existing env, volumes and mounts: appended to; PYTHONPATH and NODE_OPTIONS merged',
    pod: trialPod(
      [
        {
          name: 'training',
          command: ['python3', 'train.py'],
          env: [
            { name: 'PYTHONPATH', value: '/app' },
            { name: 'NODE_OPTIONS', value: '--max-old-space-size=512' },
          ],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      { [ANNOTATIONS.metricNames]: 'loss, accuracy' },
      { volumes: [{ name: 'data', emptyDir: {} }] },
    ),
    want: {
      patch: [
        ...[...ADDRESSES, { name: 'KATIB_METRIC_NAMES', value: 'loss,accuracy' }].map((value) => ({
          op: 'add' as const,
          path: '/spec/containers/0/env/-',
          value,
        })),
        {
          op: 'replace',
          path: '/spec/containers/0/env/0',
          value: { name: 'PYTHONPATH', value: '/katib-injection/python:/app' },
        },
        {
          op: 'replace',
          path: '/spec/containers/0/env/1',
          value: {
            name: 'NODE_OPTIONS',
            value: '--max-old-space-size=512 --import=/katib-injection/node/katib-preload.mjs',
          },
        },
        { op: 'add', path: '/spec/volumes/-', value: VOLUME },
        { op: 'add', path: '/spec/containers/0/volumeMounts/-', value: MOUNT },
        { op: 'add', path: NOTE_PATH, value: 'runtime shims mounted' },
      ],
      warnings: [],
    },
  },
  {
    name: 'an env entry from valueFrom is left as it is, with a warning',
    pod: trialPod(
      [
        {
          name: 'training',
          command: ['python3', 'train.py'],
          env: [{ name: 'KATIB_TRIAL_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        },
      ],
      {},
    ),
    want: {
      patch: [
        { op: 'add', path: '/spec/containers/0/env/-', value: ADDRESSES[1] },
        { op: 'add', path: '/spec/containers/0/env/-', value: ADDRESSES[2] },
        { op: 'add', path: NOTE_PATH, value: 'env set' },
      ],
      warnings: [
        `no ${ANNOTATIONS.metricNames} annotation: metric prints cannot be recognised, only KATIB_TRIAL_NAME and the DB manager address are set`,
        'env KATIB_TRIAL_NAME comes from valueFrom and is left as it is',
      ],
    },
  },
  {
    name: 'no annotations at all: the annotations object is created; no metric names, no shims',
    pod: trialPod([{ name: 'training', command: ['python3', 'train.py'] }], null),
    want: {
      patch: [
        { op: 'add', path: '/spec/containers/0/env', value: ADDRESSES },
        { op: 'add', path: '/metadata/annotations', value: { [ANNOTATIONS.injection]: 'env set' } },
      ],
      warnings: [
        `no ${ANNOTATIONS.metricNames} annotation: metric prints cannot be recognised, only KATIB_TRIAL_NAME and the DB manager address are set`,
      ],
    },
  },
  {
    name: 'the primary container named by annotation: only it is changed',
    pod: trialPod(
      [
        { name: 'sidecar', command: ['sleep', 'infinity'] },
        { name: 'training', command: ['node', 'train.mjs'], env: [] },
      ],
      { [ANNOTATIONS.metricNames]: 'loss', [ANNOTATIONS.primaryContainer]: 'training' },
    ),
    want: {
      patch: [
        ...pushEnv().map((value) => ({
          op: 'add' as const,
          path: '/spec/containers/1/env/-',
          value,
        })),
        { op: 'add', path: '/spec/volumes', value: [VOLUME] },
        { op: 'add', path: '/spec/containers/1/volumeMounts', value: [MOUNT] },
        { op: 'add', path: NOTE_PATH, value: 'runtime shims mounted' },
      ],
      warnings: [],
    },
  },
  {
    name: 'metricsFormat: passed on in the env',
    pod: trialPod([{ name: 'training', command: ['python3', 'train.py'] }], {
      [ANNOTATIONS.metricNames]: 'loss',
      [ANNOTATIONS.metricsFormat]: FORMAT,
    }),
    want: {
      patch: freshPatch(
        pushEnv('loss', { name: 'KATIB_METRICS_FORMAT', value: FORMAT }),
        'runtime shims mounted',
      ),
      warnings: [],
    },
  },
  {
    name: 'a metricsFormat that is not a JSON list: a warning, the default filter',
    pod: trialPod([{ name: 'training', command: ['python3', 'train.py'] }], {
      [ANNOTATIONS.metricNames]: 'loss',
      [ANNOTATIONS.metricsFormat]: '{"not": "a list"}',
    }),
    want: {
      patch: freshPatch(pushEnv(), 'runtime shims mounted'),
      warnings: [
        `${ANNOTATIONS.metricsFormat} is not a JSON list of filters (not a list of strings): Katib's default filter is used`,
      ],
    },
  },
  {
    name: 'inline Python code: its metric print rewritten in the command',
    pod: trialPod([{ name: 'training', command: ['python3', '-c', 'loss = 0.5\nprint(f"loss={loss}")'] }]),
    want: {
      patch: [
        {
          op: 'replace',
          path: '/spec/containers/0/command',
          value: ['python3', '-c', /\nloss = 0\.5\n_katib_push\.report\("loss", loss\)$/],
        },
        ...freshPatch(pushEnv(), 'inline code: 1 print rewritten, 0 left; runtime shims mounted'),
      ],
      warnings: [],
    },
  },
  {
    name: 'a program that is not Python or JavaScript: env and shims only, with a warning',
    pod: trialPod([{ name: 'training', command: ['java', '-jar', 'train.jar'] }]),
    want: {
      patch: freshPatch(pushEnv(), 'runtime shims mounted'),
      warnings: [
        'java is not Python or JavaScript: its metric prints are not pushed (use the StdOut collector for it)',
      ],
    },
  },
  { name: 'not an object: refused', pod: 'a pod', error: /^request\.object: must be a Pod object$/ },
  {
    name: 'no containers: refused',
    pod: trialPod([]),
    error: /^request\.object\.spec\.containers: must list the Pod's containers$/,
  },
  {
    name: 'the named primary container missing: refused',
    pod: trialPod([{ name: 'main', command: ['true'] }], { [ANNOTATIONS.primaryContainer]: 'training' }),
    error: /^request\.object\.spec\.containers: no container named "training"/,
  },
  {
    name: 'a command that is not a list of strings: refused',
    pod: trialPod([{ name: 'training', command: ['python3', 7] }]),
    error: /^request\.object\.spec\.containers\[0\]\.command: must be a list of strings$/,
  },
];

/** `want` with each RegExp replaced by the string of `got` it matches (so deepEqual can compare). */
function resolvePatterns(want: unknown, got: unknown): unknown {
  if (want instanceof RegExp) return typeof got === 'string' && want.test(got) ? got : want;
  if (Array.isArray(want))
    return want.map((w, i) => resolvePatterns(w, Array.isArray(got) ? got[i] : undefined));
  if (typeof want === 'object' && want !== null) {
    const from = (typeof got === 'object' && got !== null ? got : {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(want).map(([k, w]) => [k, resolvePatterns(w, from[k])]));
  }
  return want;
}

describe('webhook pod mutation (table)', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      if (row.error) {
        assert.throws(() => mutateTrialPod(row.pod, OPTIONS), { message: row.error });
        return;
      }
      const got = mutateTrialPod(row.pod, OPTIONS);
      assert.deepEqual(got, row.want === undefined ? undefined : resolvePatterns(row.want, got));
    });
  }
});
