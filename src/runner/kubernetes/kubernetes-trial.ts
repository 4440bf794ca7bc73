import type { LineListener, RunningTrial, TrialExit, TrialRunSpec } from '../trial-runner.js';
import { ensureExperimentOwner } from './experiment-owner.js';
import { type Json, type KubeApi, KubeApiError, type ObjectRef } from './kube-api.js';
import { ObjectWatch, type WatchChange } from './object-watch.js';
import { compileConditions, type ResourceConditions, resourceState } from './resource-state.js';
import { type ResourceEnd, trialExitOf } from './trial-exit.js';
import { TrialPods } from './trial-pods.js';
import { isJob, TRIAL_LABEL, trialResource } from './trial-resource.js';

/** Settings of the Kubernetes runner, all with defaults (see KubernetesRunnerOptions). */
export interface KubernetesRunnerSettings {
  api: KubeApi;
  namespace?: string;
  dbManagerAddress?: string;
  dbManagerHttpAddress?: string;
  experimentOwner: boolean;
  tailBytes: number;
  maxLineBytes: number;
  logFiles: boolean;
  logFileMaxBytes: number;
  logDrainMs: number;
  deleteWaitMs: number;
  retryMs: number;
  onListenerError: (err: unknown) => void;
  onWarning: (message: string) => void;
  /** Called with the namespace of each experiment owner the runner uses. */
  ownerUsed: (experimentName: string, namespace: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One trial run as a Kubernetes resource; see KubernetesTrialRunner for the contract. */
export class KubernetesTrial implements RunningTrial {
  readonly #spec: TrialRunSpec;
  readonly #s: KubernetesRunnerSettings;
  readonly #pods: TrialPods;
  readonly #done: Promise<TrialExit>;
  readonly #watches: ObjectWatch[] = [];
  #ref: ObjectRef | undefined;
  #uid: string | undefined;
  #cancelled: 'kill' | 'timeout' | undefined;
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;
  #settle!: (end: ResourceEnd) => void;
  readonly #ended = new Promise<ResourceEnd>((resolve) => {
    this.#settle = resolve;
  });
  #gone!: () => void;
  readonly #deleted = new Promise<void>((resolve) => {
    this.#gone = resolve;
  });

  constructor(spec: TrialRunSpec, settings: KubernetesRunnerSettings, signal?: AbortSignal) {
    this.#spec = spec;
    this.#s = settings;
    this.#pods = new TrialPods(settings, spec.resource?.primaryContainerName);
    this.#done = this.#run(signal);
  }

  readonly onLine = (listener: LineListener): void => {
    this.#pods.addListener(listener);
  };

  wait(): Promise<TrialExit> {
    return this.#done;
  }

  async kill(): Promise<void> {
    this.#end('kill');
    await this.#done;
  }

  logsTail(): string {
    return this.#pods.tail();
  }

  /** Where the trial runs, once its resource is created. */
  resource(): ObjectRef | undefined {
    return this.#ref;
  }

  #end(by: 'kill' | 'timeout'): void {
    if (this.#ref === undefined) this.#cancelled ??= by;
    else if (!this.#stopping) void this.#stop(by);
  }

  async #run(signal: AbortSignal | undefined): Promise<TrialExit> {
    const onAbort = (): void => this.#end('kill');
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const prepared = await this.#prepare();
      if (typeof prepared === 'string') return { exitCode: null, signal: null, startError: prepared };
      const { object, conditions } = prepared;
      // Killed or aborted before anything was created.
      if (this.#cancelled) return { exitCode: null, signal: null, killedBy: this.#cancelled };
      const created = await this.#create(object);
      if (typeof created === 'string') return { exitCode: null, signal: null, startError: created };
      if (this.#cancelled) void this.#stop(this.#cancelled);
      const timeout = this.#spec.timeoutSeconds;
      if (timeout !== undefined && !isJob(object))
        this.#timer = setTimeout(() => this.#end('timeout'), timeout * 1000);
      // Not awaited: a ListWatch reports what its list found before its watch request is
      // answered, and an end seen in that list must not wait on the watch connection (an API
      // server or proxy that holds the watch's response headers back would stall the trial).
      this.#watch(conditions);
      const end = await this.#ended;
      clearTimeout(this.#timer);
      if (end.how === 'state') await this.#catchUpPods();
      await this.#pods.drain(end.how === 'state');
      if (end.how === 'state' && !this.#spec.resource?.retain) await this.#delete('Background');
      const exit = trialExitOf(
        end,
        this.#pods.pods(),
        this.#spec.resource?.primaryContainerName,
        String(object.kind),
      );
      const logFileError = this.#pods.logFileError;
      if (logFileError !== undefined) exit.logFileError = logFileError;
      return exit;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(this.#timer);
      for (const watch of this.#watches) watch.stop();
      await this.#pods.close();
    }
  }

  /** The resource to create and its conditions; a message when the spec cannot work. */
  async #prepare(): Promise<{ object: Json; conditions: ResourceConditions } | string> {
    const spec = this.#spec;
    const resource = spec.resource;
    if (!resource) return 'resource: the Kubernetes runner needs the trial resource (TrialRunSpec.resource)';
    let conditions: ResourceConditions;
    try {
      conditions = compileConditions(resource.successCondition, resource.failureCondition);
    } catch (err) {
      return (err as Error).message;
    }
    const metadata = (resource.object.metadata ?? {}) as Json;
    const namespace =
      this.#s.namespace ??
      (typeof metadata.namespace === 'string' ? metadata.namespace : this.#s.api.defaultNamespace);
    const env = { ...spec.env };
    if (this.#s.dbManagerAddress && env.KATIB_DB_MANAGER_ADDRESS !== undefined)
      env.KATIB_DB_MANAGER_ADDRESS = this.#s.dbManagerAddress;
    if (this.#s.dbManagerHttpAddress && env.KATIB_DB_MANAGER_HTTP_ADDRESS !== undefined)
      env.KATIB_DB_MANAGER_HTTP_ADDRESS = this.#s.dbManagerHttpAddress;
    let owner: Awaited<ReturnType<typeof ensureExperimentOwner>> | undefined;
    if (this.#s.experimentOwner) {
      try {
        owner = await ensureExperimentOwner(this.#s.api, namespace, spec.experimentName);
        this.#s.ownerUsed(spec.experimentName, namespace);
      } catch (err) {
        return `cannot create the experiment's owner ConfigMap in namespace ${namespace}: ${(err as Error).message}`;
      }
    }
    const built = trialResource({
      object: resource.object,
      trialName: spec.trialName,
      experimentName: spec.experimentName,
      namespace,
      env,
      ...(resource.primaryContainerName !== undefined
        ? { primaryContainerName: resource.primaryContainerName }
        : {}),
      ...(owner ? { owner } : {}),
      ...(spec.timeoutSeconds !== undefined ? { timeoutSeconds: spec.timeoutSeconds } : {}),
      ...(resource.podAnnotations ? { podAnnotations: resource.podAnnotations } : {}),
    });
    if (isJob(built.object) && built.primaryContainers === 0) {
      const wanted = resource.primaryContainerName;
      return wanted === undefined
        ? 'trialSpec: the Job has several containers: name the primary one (primaryContainerName)'
        : `trialSpec: the Job has no container named ${JSON.stringify(wanted)} (primaryContainerName)`;
    }
    if (this.#s.logFiles) {
      const failed = await this.#pods.openLogFiles(spec.logDir ?? spec.workingDir);
      if (failed !== undefined) return failed;
    }
    return { object: built.object, conditions };
  }

  /**
   * Creates the resource. One left by an earlier run of the same trial (a controller restarted,
   * 409 AlreadyExists) is deleted first, and its pods with it. A message when the API refuses.
   */
  async #create(object: Json): Promise<Json | string> {
    const meta = object.metadata as { name: string; namespace: string };
    const ref: ObjectRef = {
      apiVersion: String(object.apiVersion),
      kind: String(object.kind),
      namespace: meta.namespace,
      name: meta.name,
    };
    const what = `${ref.kind} ${ref.namespace}/${ref.name}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const created = await this.#s.api.create(object);
        this.#ref = ref;
        this.#uid = String((created.metadata as Json).uid);
        return created;
      } catch (err) {
        const e = err as KubeApiError;
        if (e.status === 409 && attempt <= 3) {
          this.#s.onWarning(`${what} is left from an earlier run of the trial: deleting it`);
          if (!(await this.#deleteLeftover(ref))) return `${what} exists and could not be removed`;
          continue;
        }
        // Not reached, or a server fault: try a few times before giving up on the trial.
        if ((e.status === 0 || e.status >= 500) && attempt < 5 && !this.#cancelled) {
          this.#s.onWarning(`creating ${what}: ${e.message}; retrying`);
          await sleep(this.#s.retryMs * 2 ** attempt);
          continue;
        }
        const hint = e.status === 404 ? ` (is the kind ${ref.apiVersion} ${ref.kind} installed?)` : '';
        return `Kubernetes refused to create ${what}: ${e.message}${hint}`;
      }
    }
  }

  async #deleteLeftover(ref: ObjectRef): Promise<boolean> {
    try {
      await this.#s.api.delete(ref, 'Foreground');
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) return false;
    }
    const deadline = Date.now() + this.#s.deleteWaitMs;
    while (Date.now() < deadline) {
      try {
        await this.#s.api.read(ref);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return true;
      }
      await sleep(Math.min(this.#s.retryMs, 500));
    }
    return false;
  }

  /** Starts the resource and pod watches; each retries its own failures until stopped. */
  #watch(conditions: ResourceConditions): void {
    const ref = this.#ref!;
    const common = { api: this.#s.api, namespace: ref.namespace, retryMs: this.#s.retryMs };
    const warn = (what: string) => (message: string) =>
      this.#s.onWarning(`watching ${what} of trial ${ref.name}: ${message}`);
    const resourceWatch = new ObjectWatch({
      ...common,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      fieldSelector: `metadata.name=${ref.name}`,
      onError: warn(ref.kind),
      onChange: (change, o) => this.#resourceChanged(change, o, conditions),
    });
    const podWatch = new ObjectWatch({
      ...common,
      apiVersion: 'v1',
      kind: 'Pod',
      labelSelector: this.#podSelector(),
      onError: warn('pods'),
      onChange: (change, pod) => this.#pods.changed(change, pod, ref.namespace),
    });
    this.#watches.push(resourceWatch, podWatch);
    resourceWatch.start().catch((err: unknown) => warn(ref.kind)((err as Error).message));
    podWatch.start().catch((err: unknown) => warn('pods')((err as Error).message));
  }

  #podSelector(): string {
    const labels = { ...this.#spec.resource?.primaryPodLabels, [TRIAL_LABEL]: this.#ref!.name };
    return Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }

  /**
   * The resource and its pods are watched apart, so the end of the resource can arrive before its
   * last pod: list the pods once more, so that every pod's log is read.
   */
  async #catchUpPods(): Promise<void> {
    try {
      const { items } = await this.#s.api.list('v1', 'Pod', this.#ref!.namespace, {
        labelSelector: this.#podSelector(),
      });
      for (const pod of items) this.#pods.changed('update', pod, this.#ref!.namespace);
    } catch (err) {
      this.#s.onWarning(`listing the pods of trial ${this.#ref!.name}: ${(err as Error).message}`);
    }
  }

  #resourceChanged(change: WatchChange, object: Json, conditions: ResourceConditions): void {
    if ((object.metadata as Json | undefined)?.uid !== this.#uid) return;
    if (change === 'delete') {
      this.#gone();
      if (!this.#stopping) this.#settle({ how: 'deleted' });
      return;
    }
    // Once the runner is ending it, what the resource goes through on the way out is not its result.
    if (this.#stopping) return;
    const state = resourceState(object, conditions);
    if (state.phase !== 'running') this.#settle({ how: 'state', state });
  }

  /**
   * Ends a running trial: a retained Job is suspended (Kubernetes deletes its pods, the Job stays);
   * anything else is deleted with its pods (Foreground). Settles once that has happened, or after
   * deleteWaitMs.
   */
  async #stop(by: 'kill' | 'timeout'): Promise<void> {
    this.#stopping = true;
    const ref = this.#ref!;
    const retainJob =
      this.#spec.resource?.retain === true && ref.kind === 'Job' && ref.apiVersion === 'batch/v1';
    let stopped: Promise<unknown>;
    try {
      if (retainJob) {
        await this.#s.api.mergePatch(ref, { spec: { suspend: true } });
        stopped = this.#podsGone();
      } else {
        stopped = this.#deleted;
        await this.#s.api.delete(ref, 'Foreground');
      }
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) stopped = Promise.resolve();
      else {
        this.#s.onWarning(`cannot stop ${ref.kind} ${ref.namespace}/${ref.name}: ${(err as Error).message}`);
        stopped = Promise.resolve();
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#s.deleteWaitMs);
    });
    await Promise.race([stopped, limit]);
    clearTimeout(timer);
    this.#settle({ how: 'killed', by });
  }

  async #podsGone(): Promise<void> {
    const deadline = Date.now() + this.#s.deleteWaitMs;
    while (Date.now() < deadline && this.#pods.running()) await sleep(Math.min(this.#s.retryMs, 200));
  }

  async #delete(policy: 'Background' | 'Foreground'): Promise<void> {
    try {
      await this.#s.api.delete(this.#ref!, policy);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404))
        this.#s.onWarning(`cannot delete ${this.#ref!.kind} ${this.#ref!.name}: ${(err as Error).message}`);
    }
  }
}
