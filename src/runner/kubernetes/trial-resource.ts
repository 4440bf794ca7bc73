/** Labels Katib puts on a trial's resource and pods. */
export const EXPERIMENT_LABEL = 'katib.kubeflow.org/experiment';
export const TRIAL_LABEL = 'katib.kubeflow.org/trial';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface TrialResourceInput {
  /** The substituted trialSpec: copied, never modified. */
  object: Record<string, unknown>;
  trialName: string;
  experimentName: string;
  namespace: string;
  /** The container that gets `env`; default: a pod template's only container. */
  primaryContainerName?: string;
  /** Set on the primary container, ahead of its own env (so its `$(VAR)` references see them). */
  env: Record<string, string>;
  owner?: OwnerReference;
  /** For a Job: its activeDeadlineSeconds, unless it has a shorter one. */
  timeoutSeconds?: number;
  /** Added to every pod template's annotations that does not set them itself. */
  podAnnotations?: Record<string, string>;
}

export interface TrialResource {
  object: Record<string, unknown>;
  /** How many pod templates got the trial labels, and how many primary containers the env. */
  podTemplates: number;
  primaryContainers: number;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function child(parent: Json, key: string): Json {
  const existing = parent[key];
  if (isRecord(existing)) return existing;
  const created: Json = {};
  parent[key] = created;
  return created;
}

export function isJob(object: Json): boolean {
  return object.apiVersion === 'batch/v1' && object.kind === 'Job';
}

/**
 * The resource to create for a trial, as Katib's trial controller makes it: named after the
 * trial in its namespace, labelled with the experiment and the trial (the resource and every pod
 * template in it: a Job's `spec.template`, each replica's template of a Kubeflow training job,
 * a JobSet's nested ones), owned by `owner`, with katib-ts's variables on the primary container
 * and `podAnnotations` (for the admission webhook) on the pod templates.
 * Pure.
 */
export function trialResource(input: TrialResourceInput): TrialResource {
  const object = structuredClone(input.object);
  const metadata = child(object, 'metadata');
  metadata.name = input.trialName;
  metadata.namespace = input.namespace;
  const labels = { [EXPERIMENT_LABEL]: input.experimentName, [TRIAL_LABEL]: input.trialName };
  metadata.labels = { ...(isRecord(metadata.labels) ? metadata.labels : {}), ...labels };
  if (input.owner) {
    const owners = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences : [];
    metadata.ownerReferences = [...owners, { ...input.owner, controller: true, blockOwnerDeletion: true }];
  }
  let podTemplates = 0;
  let primaryContainers = 0;
  for (const template of podTemplatesOf(object)) {
    podTemplates++;
    const templateMeta = child(template, 'metadata');
    templateMeta.labels = { ...(isRecord(templateMeta.labels) ? templateMeta.labels : {}), ...labels };
    if (input.podAnnotations && Object.keys(input.podAnnotations).length > 0) {
      const own = isRecord(templateMeta.annotations) ? templateMeta.annotations : {};
      templateMeta.annotations = { ...input.podAnnotations, ...own };
    }
    const containers = (template.spec as Json).containers as unknown[];
    const primary =
      input.primaryContainerName === undefined
        ? containers.length === 1
          ? containers[0]
          : undefined
        : containers.find((c) => isRecord(c) && c.name === input.primaryContainerName);
    if (isRecord(primary)) {
      primaryContainers++;
      primary.env = withEnv(primary.env, input.env);
    }
  }
  if (input.timeoutSeconds !== undefined && isJob(object)) {
    const spec = child(object, 'spec');
    const current = spec.activeDeadlineSeconds;
    const seconds = Math.ceil(input.timeoutSeconds);
    if (typeof current !== 'number' || current > seconds) spec.activeDeadlineSeconds = seconds;
  }
  return { object, podTemplates, primaryContainers };
}

/** Every pod template inside `value`: an object under a `template` key whose spec lists containers. */
export function podTemplatesOf(value: unknown): Json[] {
  const found: Json[] = [];
  const walk = (node: unknown, key: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, undefined);
      return;
    }
    if (!isRecord(node)) return;
    if (key === 'template' && isRecord(node.spec) && Array.isArray(node.spec.containers)) {
      found.push(node);
      return;
    }
    for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(value, undefined);
  return found;
}

function withEnv(current: unknown, env: Record<string, string>): unknown[] {
  const ours = Object.entries(env).map(([name, value]) => ({ name, value }));
  const names = new Set(Object.keys(env));
  const theirs = Array.isArray(current)
    ? current.filter((e) => !(isRecord(e) && typeof e.name === 'string' && names.has(e.name)))
    : [];
  return [...ours, ...theirs];
}
