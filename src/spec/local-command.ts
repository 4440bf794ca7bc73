import { formatIssue, IssueList } from './issues.js';
import { expandKubernetesVars } from './k8s-expand.js';
import { asRecord, isBatchJob, jobPodSpec } from './trial-spec.js';

/** What a batch/v1 Job's primary container runs, as a local process. */
export interface LocalCommand {
  /** argv: the container's command followed by its args, `$(VAR)` expanded as Kubernetes does. */
  command: string[];
  env: Record<string, string>;
  workingDir?: string;
  /** The Job's (or pod's, whichever is shorter) activeDeadlineSeconds. */
  activeDeadlineSeconds?: number;
  /** Parts of the Job that do not apply locally (`image`, other containers, volumes), one line each. */
  warnings: string[];
}

/**
 * Turns a substituted trialSpec into a local command. The trialSpec must be a batch/v1 Job; the
 * container is the one named `primaryContainerName`, or the only one. Fails with a
 * SpecValidationError (invalid_argument) naming every field that cannot work outside
 * Kubernetes: args without command (the image's entrypoint is not here), env valueFrom/envFrom,
 * non-string entries. Pure.
 */
export function localCommandOf(trialSpec: unknown, primaryContainerName?: string): LocalCommand {
  const issues = new IssueList();
  const command = checkLocalCommand(trialSpec, primaryContainerName, 'trialSpec', issues);
  issues.throwIfAny('trialSpec cannot run as a local command');
  return { ...command!, warnings: issues.warnings.map(formatIssue) };
}

/** localCommandOf's checks, with problems and warnings going to `issues` under `path`. */
export function checkLocalCommand(
  trialSpec: unknown,
  primaryContainerName: string | undefined,
  path: string,
  issues: IssueList,
): Omit<LocalCommand, 'warnings'> | undefined {
  const before = issues.errors.length;
  const job = asRecord(trialSpec);
  if (job === undefined) {
    issues.error(path, trialSpec, 'must be a Kubernetes resource (a mapping)');
    return undefined;
  }
  if (!isBatchJob(job)) {
    const field = job.kind === 'Job' ? 'apiVersion' : 'kind';
    issues.error(
      `${path}.${field}`,
      job[field],
      'is not a batch/v1 Job: only a Job can run as a local command',
    );
    return undefined;
  }
  const podPath = `${path}.spec.template.spec`;
  const pod = jobPodSpec(job);
  const containersPath = `${podPath}.containers`;
  const containers = pod?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    issues.error(containersPath, containers, 'must list at least one container');
    return undefined;
  }
  const names = containers.map((c) => asRecord(c)?.name);
  let index = 0;
  if (primaryContainerName !== undefined) {
    index = names.indexOf(primaryContainerName);
    if (index < 0) {
      issues.error(
        containersPath,
        names,
        `has no container named ${JSON.stringify(primaryContainerName)} (primaryContainerName)`,
      );
      return undefined;
    }
  } else if (containers.length > 1) {
    issues.error(
      containersPath,
      names,
      'has several containers: name the one to run with primaryContainerName',
    );
    return undefined;
  }
  if (containers.length > 1) {
    const others = names.filter((_, i) => i !== index);
    issues.warn(
      containersPath,
      names,
      `runs only ${JSON.stringify(names[index])} locally; not ${others.join(', ')}`,
    );
  }
  if (pod?.initContainers !== undefined)
    issues.warn(`${podPath}.initContainers`, pod.initContainers, 'are not run locally');
  const cPath = `${containersPath}[${index}]`;
  const container = asRecord(containers[index]);
  if (container === undefined) {
    issues.error(cPath, containers[index], 'must be a container (a mapping)');
    return undefined;
  }
  if (container.image !== undefined) {
    issues.warn(
      `${cPath}.image`,
      container.image,
      'is ignored: the command runs on this machine, not in the image',
    );
  }
  if (container.volumeMounts !== undefined) {
    issues.warn(
      `${cPath}.volumeMounts`,
      container.volumeMounts,
      'are ignored: the paths must exist on this machine',
    );
  }
  const env = readEnv(container, cPath, issues);
  const lookup = (name: string): string | undefined => (Object.hasOwn(env, name) ? env[name] : undefined);
  const command = stringList(container.command, `${cPath}.command`, issues);
  const args = stringList(container.args, `${cPath}.args`, issues);
  if (command.length === 0) {
    const why =
      args.length > 0
        ? "args alone run the image's entrypoint"
        : "without it the image's default command runs";
    issues.error(
      `${cPath}.command`,
      container.command,
      `is required to run locally: ${why}, which does not exist outside the image`,
    );
  }
  let workingDir: string | undefined;
  if (container.workingDir !== undefined) {
    if (typeof container.workingDir === 'string') workingDir = container.workingDir;
    else issues.error(`${cPath}.workingDir`, container.workingDir, 'must be a string');
  }
  const deadlines = [
    deadline(asRecord(job.spec)?.activeDeadlineSeconds, `${path}.spec.activeDeadlineSeconds`, issues),
    deadline(pod?.activeDeadlineSeconds, `${podPath}.activeDeadlineSeconds`, issues),
  ].filter((d): d is number => d !== undefined);
  if (issues.errors.length > before) return undefined;
  const out: Omit<LocalCommand, 'warnings'> = {
    command: [...command, ...args].map((part) => expandKubernetesVars(part, lookup)),
    env,
  };
  if (workingDir !== undefined) out.workingDir = workingDir;
  if (deadlines.length > 0) out.activeDeadlineSeconds = Math.min(...deadlines);
  return out;
}

/** `env[]` in order, each value expanded with the ones before it; a later duplicate wins, as in Kubernetes. */
function readEnv(
  container: Record<string, unknown>,
  cPath: string,
  issues: IssueList,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (container.envFrom !== undefined) {
    issues.error(
      `${cPath}.envFrom`,
      container.envFrom,
      'is not supported locally (no ConfigMaps or Secrets here): list the variables under env',
    );
  }
  const list = container.env;
  if (list === undefined) return env;
  if (!Array.isArray(list)) {
    issues.error(`${cPath}.env`, list, 'must be a list of {name, value}');
    return env;
  }
  list.forEach((raw: unknown, i) => {
    const at = `${cPath}.env[${i}]`;
    const entry = asRecord(raw);
    if (entry === undefined) {
      issues.error(at, raw, 'must be a mapping {name, value}');
      return;
    }
    const { name, value, valueFrom } = entry;
    if (typeof name !== 'string' || name === '') {
      issues.error(`${at}.name`, name, name === undefined ? 'is required' : 'must be a non-empty string');
      return;
    }
    if (valueFrom !== undefined) {
      issues.error(
        `${at}.valueFrom`,
        valueFrom,
        'is not supported locally (no Secrets, ConfigMaps or Pod fields here): set value',
      );
      return;
    }
    if (value !== undefined && typeof value !== 'string') {
      issues.error(`${at}.value`, value, 'must be a string (quote it in YAML)');
      return;
    }
    const lookup = (n: string): string | undefined => (Object.hasOwn(env, n) ? env[n] : undefined);
    Object.defineProperty(env, name, {
      value: expandKubernetesVars(value ?? '', lookup),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  return env;
}

function stringList(value: unknown, path: string, issues: IssueList): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.error(path, value, 'must be a list of strings');
    return [];
  }
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'string') issues.error(`${path}[${i}]`, v, 'must be a string (quote it in YAML)');
  });
  return value.filter((v): v is string => typeof v === 'string');
}

function deadline(value: unknown, path: string, issues: IssueList): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  issues.error(path, value, 'must be a positive integer (seconds)');
  return undefined;
}
