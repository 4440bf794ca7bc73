import { KubeConfig } from '@kubernetes/client-node';
import type { TrialRunner, TrialRunSpec } from '../trial-runner.js';
import { type ClusterConfigMap, readClusterConfigMap } from './cluster-config-map.js';
import { deleteExperimentOwner } from './experiment-owner.js';
import { KubeApi } from './kube-api.js';
import { type KubernetesRunnerSettings, KubernetesTrial } from './kubernetes-trial.js';

export interface KubernetesRunnerOptions {
  /** Cluster access. Default: in a pod its service account, else KUBECONFIG or ~/.kube/config. */
  kubeConfig?: KubeConfig;
  /**
   * The namespace every trial runs in. Default: the experiment's namespace, else the kubeconfig
   * context's (in a pod: its own).
   */
  namespace?: string;
  /**
   * The DB manager as trials reach it from their pods (e.g. katib-db-manager.kubeflow.svc:6789):
   * replaces the address katib-ts would give them (where it listens, which pods cannot reach).
   */
  dbManagerAddress?: string;
  /** Likewise for its HTTP JSON endpoint (KATIB_DB_MANAGER_HTTP_ADDRESS). */
  dbManagerHttpAddress?: string;
  /** Own each trial resource by a ConfigMap per experiment (see experiment-owner.ts). Default true. */
  experimentOwner?: boolean;
  /** Output kept in memory for logsTail() (default 1 MiB). */
  tailBytes?: number;
  /** Longest line delivered; longer ones are cut to it (default 64 KiB). */
  maxLineBytes?: number;
  /** Write the primary container's log to stdout.log in the trial's log folder (default true). */
  logFiles?: boolean;
  logFileMaxBytes?: number;
  /** How long, once the resource has ended, its logs may take to be read to the end (default 30 s). */
  logDrainMs?: number;
  /** How long a kill waits for the resource and its pods to be gone (default 120 s). */
  deleteWaitMs?: number;
  /** First wait before an API call or a watch is retried; doubles up to 30 s (default 1 s). */
  retryMs?: number;
  onListenerError?: (err: unknown) => void;
  /** Problems the runner works around (a watch reconnecting, a leftover resource replaced). */
  onWarning?: (message: string) => void;
}

/**
 * Runs each trial as its Kubernetes resource (a batch/v1 Job, or any kind Katib's conditions can
 * read), as Katib's trial controller does:
 *
 * - Creates the substituted trialSpec named after the trial, labelled katib.kubeflow.org/experiment
 *   and katib.kubeflow.org/trial (the resource and its pod templates, so pods carry them too),
 *   owned by the experiment's owner ConfigMap, with the spec's env on the primary container
 *   (KATIB_TRIAL_NAME, the DB manager's address), the pod annotations the admission webhook reads,
 *   and the trial's timeout as the Job's activeDeadlineSeconds. A resource left by an earlier run
 *   of the same trial is deleted first. The API refusing it (403, 422, an unknown kind) is a
 *   `startError`.
 * - Follows it with a list+watch that survives dropped connections (resumed from the last
 *   resourceVersion) and compaction (410 Gone: listed again); its state is Katib's
 *   failureCondition, then successCondition (GJSON, see gjson-path.ts) over the resource.
 * - Output: the primary container's log, followed in every pod of the trial (narrowed by
 *   primaryPodLabels), line by line to onLine listeners, logsTail() and stdout.log.
 * - Ending: success is exit code 0; a failure carries the primary container's exit code and
 *   Kubernetes' reason in `detail`; DeadlineExceeded is `killedBy: 'timeout'`. kill(), the start
 *   signal and (for kinds other than Job, which Kubernetes times itself) the timeout delete the
 *   resource with its pods and resolve once they are gone; a retained Job is suspended instead.
 *   A resource that ended is deleted once its logs are read, unless retained. Deleted by someone
 *   else: a failure with that detail.
 */
export class KubernetesTrialRunner implements TrialRunner {
  readonly kind = 'kubernetes' as const;
  readonly namespace: string;
  readonly #settings: KubernetesRunnerSettings;
  readonly #owners = new Map<string, Set<string>>();

  /** ConfigMap `name` in `namespace` from the cluster; undefined when there is none. */
  readConfigMap(name: string, namespace: string): Promise<ClusterConfigMap | undefined> {
    return readClusterConfigMap(this.#settings.api, name, namespace);
  }

  constructor(options: KubernetesRunnerOptions = {}) {
    let kubeConfig = options.kubeConfig;
    if (!kubeConfig) {
      kubeConfig = new KubeConfig();
      kubeConfig.loadFromDefault();
    }
    const api = new KubeApi(kubeConfig);
    this.namespace = options.namespace ?? api.defaultNamespace;
    this.#settings = {
      api,
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.dbManagerAddress ? { dbManagerAddress: options.dbManagerAddress } : {}),
      ...(options.dbManagerHttpAddress ? { dbManagerHttpAddress: options.dbManagerHttpAddress } : {}),
      experimentOwner: options.experimentOwner ?? true,
      tailBytes: options.tailBytes ?? 1024 * 1024,
      maxLineBytes: options.maxLineBytes ?? 64 * 1024,
      logFiles: options.logFiles ?? true,
      logFileMaxBytes: options.logFileMaxBytes ?? 64 * 1024 * 1024,
      logDrainMs: options.logDrainMs ?? 30_000,
      deleteWaitMs: options.deleteWaitMs ?? 120_000,
      retryMs: options.retryMs ?? 1000,
      onListenerError:
        options.onListenerError ??
        ((err) =>
          process.emitWarning(
            `trial output listener failed: ${err instanceof Error ? err.message : String(err)}`,
          )),
      onWarning: options.onWarning ?? ((message) => process.emitWarning(`kubernetes runner: ${message}`)),
      ownerUsed: (experiment, namespace) => {
        const namespaces = this.#owners.get(experiment) ?? new Set();
        namespaces.add(namespace);
        this.#owners.set(experiment, namespaces);
      },
    };
  }

  /** Where the runner's API server is (the kubeconfig's current cluster). */
  get server(): string {
    return this.#settings.api.kubeConfig.getCurrentCluster()?.server ?? '(no cluster)';
  }

  /**
   * Checks that the API server answers and serves batch/v1 Jobs in the runner's namespace
   * (discovery, then a list of at most one Job); rejects with a KubeApiError naming what failed
   * (unreachable: status 0; 401/403: credentials or RBAC).
   */
  async probe(): Promise<void> {
    const { api } = this.#settings;
    await api.collectionPath('batch/v1', 'Job', this.namespace);
    await api.list('batch/v1', 'Job', this.namespace, { labelSelector: 'katib.kubeflow.org/trial' });
  }

  start(spec: TrialRunSpec, options: { signal?: AbortSignal } = {}): KubernetesTrial {
    return new KubernetesTrial(spec, this.#settings, options.signal);
  }

  /**
   * Deletes the experiment's owner ConfigMap in every namespace this runner used for it (and its
   * own namespace): Kubernetes then removes the trial resources the experiment left, unless
   * `retain` (they are released instead).
   */
  async deleteExperiment(experimentName: string, options: { retain: boolean }): Promise<void> {
    const namespaces = new Set([this.namespace, ...(this.#owners.get(experimentName) ?? [])]);
    for (const namespace of namespaces)
      await deleteExperimentOwner(this.#settings.api, namespace, experimentName, options.retain);
    this.#owners.delete(experimentName);
  }
}
