/**
 * The JSONPatch that turns a Katib trial Pod into a Push trial: KATIB_TRIAL_NAME and the DB
 * manager's addresses in the primary container's env, inline code in its command and args
 * rewritten, and the runtime shims mounted (a ConfigMap volume) for code the rewriting cannot
 * reach (script files in the image). No container is added. Pure.
 */
import { classifyCommand } from '../command.js';
import { type Embedding, rewriteSource } from '../rewrite.js';
import { rewriteShellScript } from '../shell-heredoc.js';

export const TRIAL_LABEL = 'katib.kubeflow.org/trial';
/** Annotations (on the Pod, from the trial template) that tell the webhook about the experiment. */
export const ANNOTATIONS = {
  /** Comma-separated metric names: the objective metric first, then the additional metrics. */
  metricNames: 'katib-ts.kubeflow.org/metric-names',
  /** JSON list of Katib metricsFormat filters (optional). */
  metricsFormat: 'katib-ts.kubeflow.org/metrics-format',
  /** The collector kind; anything but Push leaves the Pod alone (default Push). */
  collectorKind: 'katib-ts.kubeflow.org/collector-kind',
  /** The primary container's name (default: the only container, else the first). */
  primaryContainer: 'katib-ts.kubeflow.org/primary-container',
  /** Written by the webhook: what it did, for `kubectl describe pod`. */
  injection: 'katib-ts.kubeflow.org/injection',
} as const;

export interface WebhookOptions {
  /** host:port of the DB manager's gRPC endpoint (KATIB_DB_MANAGER_ADDRESS). */
  dbManagerAddress: string;
  /** host:port of its HTTP JSON endpoint, where injected code pushes (KATIB_DB_MANAGER_HTTP_ADDRESS). */
  dbManagerHttpAddress: string;
  /** The ConfigMap holding the shims (see shimsConfigMap), in the Pod's namespace. */
  shimsConfigMap: string;
}

export const SHIMS_MOUNT = '/katib-injection';
const SHIMS_VOLUME = 'katib-injection-shims';

export type PatchOp = { op: 'add' | 'replace'; path: string; value: unknown };

export interface PodMutation {
  patch: PatchOp[];
  /** For the AdmissionResponse's warnings. */
  warnings: string[];
}

/** Kubernetes expands `$(VAR)` and `$$` in command and args. */
const KUBERNETES_COMMAND: Embedding = {
  escape: (code) => code.replaceAll('$', '$$$$'),
  untouchable: /\$[($]/,
  reason: 'uses $( or $$, which Kubernetes expands in a command before the code sees it',
};

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The patch for `pod`, or undefined when the Pod is not a Push trial (no trial label, or another
 * collector kind). Throws an Error naming the field for a Pod that is not well formed.
 */
export function mutateTrialPod(pod: unknown, options: WebhookOptions): PodMutation | undefined {
  if (!isRecord(pod)) throw new Error('request.object: must be a Pod object');
  const metadata = isRecord(pod.metadata) ? pod.metadata : {};
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const trialName = labels[TRIAL_LABEL];
  if (typeof trialName !== 'string' || trialName === '') return undefined;
  const kind = annotations[ANNOTATIONS.collectorKind];
  if (kind !== undefined && kind !== 'Push') return undefined;
  const spec = pod.spec;
  if (!isRecord(spec) || !Array.isArray(spec.containers) || spec.containers.length === 0)
    throw new Error("request.object.spec.containers: must list the Pod's containers");
  const wanted = annotations[ANNOTATIONS.primaryContainer];
  const index =
    typeof wanted === 'string' ? spec.containers.findIndex((c) => isRecord(c) && c.name === wanted) : 0;
  if (index < 0)
    throw new Error(
      `request.object.spec.containers: no container named ${JSON.stringify(wanted)} (${ANNOTATIONS.primaryContainer})`,
    );
  const container = spec.containers[index];
  if (!isRecord(container)) throw new Error(`request.object.spec.containers[${index}]: must be a container`);
  const at = `/spec/containers/${index}`;

  const warnings: string[] = [];
  const done: string[] = [];
  const patch: PatchOp[] = [];
  const names = String(annotations[ANNOTATIONS.metricNames] ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  let metricsFormat: string[] | undefined;
  const formatText = annotations[ANNOTATIONS.metricsFormat];
  if (typeof formatText === 'string' && formatText !== '') {
    try {
      const parsed: unknown = JSON.parse(formatText);
      if (!Array.isArray(parsed) || !parsed.every((f) => typeof f === 'string'))
        throw new Error('not a list of strings');
      metricsFormat = parsed;
    } catch (err) {
      warnings.push(
        `${ANNOTATIONS.metricsFormat} is not a JSON list of filters (${(err as Error).message}): Katib's default filter is used`,
      );
    }
  }
  if (names.length === 0)
    warnings.push(
      `no ${ANNOTATIONS.metricNames} annotation: metric prints cannot be recognised, only KATIB_TRIAL_NAME and the DB manager address are set`,
    );

  // Inline code in command/args.
  const command = stringList(container.command, `${at}/command`);
  const args = stringList(container.args, `${at}/args`);
  let shims = true;
  if (names.length > 0 && command.length > 0) {
    const argv = [...command, ...args];
    const kindOf = classifyCommand(argv);
    let rewritten: string | undefined;
    const rewriteOptions = {
      metricNames: names,
      ...(metricsFormat ? { metricsFormat } : {}),
      embedding: KUBERNETES_COMMAND,
    };
    if (kindOf.kind === 'inline') {
      const code = argv[kindOf.index]!.slice(kindOf.prefix.length);
      const result = rewriteSource(code, {
        ...rewriteOptions,
        language: kindOf.language,
        origin: 'inline code',
      });
      if (result.changed) rewritten = kindOf.prefix + result.source;
      done.push(summary(result.report.rewritten.length, result.report.notRewritten.length, 'inline code'));
      if (result.report.notices.some((n) => n.includes('pushes metrics itself'))) shims = false;
    } else if (kindOf.kind === 'shell') {
      const result = rewriteShellScript(argv[kindOf.index]!, { ...rewriteOptions, origin: 'shell script' });
      if (result.changed) rewritten = result.script;
      const count = (key: 'rewritten' | 'notRewritten'): number =>
        result.reports.reduce((n, r) => n + r[key].length, 0);
      done.push(summary(count('rewritten'), count('notRewritten'), 'shell heredocs'));
    } else if (kindOf.kind === 'other') {
      warnings.push(
        `${kindOf.program} is not Python or JavaScript: its metric prints are not pushed (use the StdOut collector for it)`,
      );
    }
    if (
      rewritten !== undefined &&
      kindOf.kind !== 'script' &&
      kindOf.kind !== 'runtime' &&
      kindOf.kind !== 'other'
    ) {
      const i = kindOf.index;
      const inCommand = i < command.length;
      const list = inCommand ? [...command] : [...args];
      list[inCommand ? i : i - command.length] = rewritten;
      patch.push({ op: 'replace', path: `${at}/${inCommand ? 'command' : 'args'}`, value: list });
    }
  }

  // Env.
  const env: [string, string][] = [
    ['KATIB_TRIAL_NAME', trialName],
    ['KATIB_DB_MANAGER_ADDRESS', options.dbManagerAddress],
    ['KATIB_DB_MANAGER_HTTP_ADDRESS', options.dbManagerHttpAddress],
  ];
  if (names.length > 0) env.push(['KATIB_METRIC_NAMES', names.join(',')]);
  if (metricsFormat) env.push(['KATIB_METRICS_FORMAT', JSON.stringify(metricsFormat)]);
  shims &&= names.length > 0;
  if (shims) {
    env.push(
      ['PYTHONPATH', `${SHIMS_MOUNT}/python`],
      ['NODE_OPTIONS', `--import=${SHIMS_MOUNT}/node/katib-preload.mjs`],
    );
    done.push('runtime shims mounted');
  }
  patch.push(...envPatch(container, at, env, warnings));

  if (shims) {
    const volume = {
      name: SHIMS_VOLUME,
      configMap: {
        name: options.shimsConfigMap,
        items: [
          { key: 'sitecustomize.py', path: 'python/sitecustomize.py' },
          { key: 'katib_push_client.py', path: 'python/katib_push_client.py' },
          { key: 'katib-preload.mjs', path: 'node/katib-preload.mjs' },
        ],
      },
    };
    patch.push(appendTo(spec.volumes, '/spec/volumes', volume));
    patch.push(
      appendTo(container.volumeMounts, `${at}/volumeMounts`, {
        name: SHIMS_VOLUME,
        mountPath: SHIMS_MOUNT,
        readOnly: true,
      }),
    );
  }
  const note = done.join('; ') || 'env set';
  if (!isRecord(metadata.annotations))
    patch.push({ op: 'add', path: '/metadata/annotations', value: { [ANNOTATIONS.injection]: note } });
  else
    patch.push({ op: 'add', path: `/metadata/annotations/${pointer(ANNOTATIONS.injection)}`, value: note });
  return { patch, warnings };
}

function summary(rewritten: number, left: number, what: string): string {
  return `${what}: ${rewritten} print${rewritten === 1 ? '' : 's'} rewritten, ${left} left`;
}

/** Adds or merges env entries: PYTHONPATH and NODE_OPTIONS keep what the container set. */
function envPatch(container: Json, at: string, entries: [string, string][], warnings: string[]): PatchOp[] {
  const existing = Array.isArray(container.env) ? container.env : undefined;
  if (!existing)
    return [{ op: 'add', path: `${at}/env`, value: entries.map(([name, value]) => ({ name, value })) }];
  const ops: PatchOp[] = [];
  for (const [name, value] of entries) {
    const j = existing.findIndex((e) => isRecord(e) && e.name === name);
    const current = existing[j];
    if (j < 0) {
      ops.push({ op: 'add', path: `${at}/env/-`, value: { name, value } });
    } else if (isRecord(current) && current.valueFrom !== undefined) {
      warnings.push(`env ${name} comes from valueFrom and is left as it is`);
    } else {
      const old = isRecord(current) && typeof current.value === 'string' ? current.value : '';
      const merged =
        name === 'PYTHONPATH' && old
          ? `${value}:${old}`
          : name === 'NODE_OPTIONS' && old
            ? `${old} ${value}`
            : value;
      ops.push({ op: 'replace', path: `${at}/env/${j}`, value: { name, value: merged } });
    }
  }
  return ops;
}

function appendTo(list: unknown, path: string, value: unknown): PatchOp {
  return Array.isArray(list) ? { op: 'add', path: `${path}/-`, value } : { op: 'add', path, value: [value] };
}

function stringList(value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Error(
      `request.object${path.replaceAll('/', '.').replace(/\.(\d+)/g, '[$1]')}: must be a list of strings`,
    );
  return value;
}

/** A JSON Pointer token (RFC 6901). */
function pointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
