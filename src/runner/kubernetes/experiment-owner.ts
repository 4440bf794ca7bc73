import { type Json, type KubeApi, KubeApiError } from './kube-api.js';
import { EXPERIMENT_LABEL, type OwnerReference } from './trial-resource.js';

/**
 * katib-ts keeps experiments and trials in its database, not as Kubernetes objects, so Katib's
 * owner (the Trial, owned by the Experiment) is stood in for by one ConfigMap per experiment and
 * namespace: every trial resource names it as its controlling owner, so deleting it (as deleting
 * the experiment does, or `kubectl delete configmap katib-experiment-NAME`) lets Kubernetes'
 * garbage collector remove what the experiment left on the cluster.
 */
export function experimentOwnerName(experimentName: string): string {
  return `katib-experiment-${experimentName}`;
}

/** The experiment's owner ConfigMap in `namespace`, created when missing. */
export async function ensureExperimentOwner(
  api: KubeApi,
  namespace: string,
  experimentName: string,
): Promise<OwnerReference> {
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: experimentOwnerName(experimentName) };
  const asOwner = (o: Json): OwnerReference => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: ref.name,
    uid: String((o.metadata as Json).uid),
  });
  try {
    return asOwner(await api.read(ref));
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
  }
  try {
    return asOwner(
      await api.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: ref.name,
          namespace,
          labels: { [EXPERIMENT_LABEL]: experimentName, 'app.kubernetes.io/managed-by': 'katib-ts' },
        },
        data: { experiment: experimentName },
      }),
    );
  } catch (err) {
    // Another trial of the experiment created it first.
    if (err instanceof KubeApiError && err.status === 409) return asOwner(await api.read(ref));
    throw err;
  }
}

/**
 * Deletes the experiment's owner in `namespace`: its trial resources go with it (Background), or
 * stay, released, when the experiment retains them (Orphan). A missing owner is fine.
 */
export async function deleteExperimentOwner(
  api: KubeApi,
  namespace: string,
  experimentName: string,
  retain: boolean,
): Promise<void> {
  try {
    await api.delete(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: experimentOwnerName(experimentName) },
      retain ? 'Orphan' : 'Background',
    );
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
  }
}
