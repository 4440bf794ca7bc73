import { type KubeApi, KubeApiError } from './kube-api.js';

/** A ConfigMap's string data as read from the cluster (the shape spec's ConfigMapData takes). */
export interface ClusterConfigMap {
  name: string;
  namespace: string;
  data: Record<string, string>;
  source: string;
}

/**
 * ConfigMap `name` in `namespace`, as Katib's controller reads a trial template's; undefined when
 * the cluster has none (404). Other failures (forbidden, unreachable) throw the KubeApiError.
 */
export async function readClusterConfigMap(
  api: KubeApi,
  name: string,
  namespace: string,
): Promise<ClusterConfigMap | undefined> {
  try {
    const object = await api.read({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
    const data: Record<string, string> = {};
    for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'string') data[key] = value;
    }
    return { name, namespace, data, source: 'the cluster' };
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}
