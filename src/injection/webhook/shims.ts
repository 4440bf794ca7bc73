import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nodeShimSource } from '../javascript/node-shim.js';
import { pythonInjectDir } from '../rewrite.js';

/**
 * The ConfigMap that the webhook mounts into trial Pods (create it in each namespace where trials
 * run): the Python sitecustomize shim with its push client, and the Node preload.
 */
export function shimsConfigMap(name: string, namespace?: string): Record<string, unknown> {
  const python = (file: string): string => readFileSync(path.join(pythonInjectDir(), file), 'utf8');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      labels: { 'app.kubernetes.io/part-of': 'katib-ts' },
    },
    data: {
      'sitecustomize.py': python('sitecustomize.py'),
      'katib_push_client.py': python('katib_push_client.py'),
      'katib-preload.mjs': nodeShimSource(),
    },
  };
}
