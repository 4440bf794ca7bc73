import type {
  V1Deployment,
  V1Namespace,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { DB_URL_KEY, DB_URL_SECRET } from './database.js';
import { labels, type ResolvedManifestOptions, selector } from './options.js';

/** Katib's name and port for the DB manager, which Katib's clients and trials expect. */
export const DB_MANAGER_SERVICE = 'katib-db-manager';
export const DB_MANAGER_PORT = 6789;
export const HTTP_PORT = 8080;
const SERVER = 'katib-server';
const SERVICE_ACCOUNT = 'katib-controller';

/**
 * What the controller does on the cluster, and no more: trial resources (Jobs, and the Kubeflow
 * training kinds and JobSets when their CRDs are installed) created, watched, suspended and
 * deleted; their pods watched and their logs read; the per-experiment owner ConfigMaps.
 */
export const CONTROLLER_RULES: V1PolicyRule[] = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'delete'] },
  // Owner references with blockOwnerDeletion need this where OwnerReferencesPermissionEnforcement is on.
  { apiGroups: [''], resources: ['configmaps/finalizers'], verbs: ['update'] },
  {
    apiGroups: ['kubeflow.org'],
    resources: ['tfjobs', 'pytorchjobs', 'xgboostjobs', 'mpijobs', 'paddlejobs', 'jaxjobs'],
    verbs: ['create', 'get', 'list', 'watch', 'delete'],
  },
  {
    apiGroups: ['jobset.x-k8s.io'],
    resources: ['jobsets'],
    verbs: ['create', 'get', 'list', 'watch', 'delete'],
  },
  {
    apiGroups: ['trainer.kubeflow.org'],
    resources: ['trainjobs'],
    verbs: ['create', 'get', 'list', 'watch', 'delete'],
  },
];

/**
 * The namespace, the controller's RBAC, and `katib server --runner kubernetes` (DB manager on
 * 6789 and 8080 plus the controllers, one process: the controller sees every push the moment it
 * is stored, which early stopping relies on) with the katib-db-manager Service in front of it.
 * One replica, replaced rather than rolled: two controllers must never run the same experiments.
 */
export function serverObjects(
  o: ResolvedManifestOptions,
): (V1Namespace | V1ServiceAccount | V1Role | V1RoleBinding | V1Deployment | V1Service)[] {
  const ns = o.namespace;
  const namespace: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns, labels: { 'app.kubernetes.io/part-of': 'katib-ts' } },
  };
  const account: V1ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: SERVICE_ACCOUNT, namespace: ns, labels: labels('controller') },
  };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: SERVICE_ACCOUNT, namespace: ns, labels: labels('controller') },
    rules: CONTROLLER_RULES,
  };
  const binding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: SERVICE_ACCOUNT, namespace: ns, labels: labels('controller') },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SERVICE_ACCOUNT },
    subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: ns }],
  };
  const dbSecret = o.dbSecret ?? DB_URL_SECRET;
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: SERVER, namespace: ns, labels: labels('server') },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector('server') },
      template: {
        metadata: { labels: labels('server') },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
          containers: [
            {
              name: 'katib-server',
              image: o.image,
              args: [
                'server',
                '--runner',
                'kubernetes',
                '--listen',
                `0.0.0.0:${DB_MANAGER_PORT}`,
                '--http-listen',
                `0.0.0.0:${HTTP_PORT}`,
                '--work-dir',
                '/var/lib/katib',
              ],
              env: [
                { name: 'KATIB_NAMESPACE', value: ns },
                { name: DB_URL_KEY, valueFrom: { secretKeyRef: { name: dbSecret, key: DB_URL_KEY } } },
                {
                  name: 'KATIB_TRIAL_DB_MANAGER_ADDRESS',
                  value: `${DB_MANAGER_SERVICE}.${ns}.svc:${DB_MANAGER_PORT}`,
                },
                {
                  name: 'KATIB_TRIAL_DB_MANAGER_HTTP_ADDRESS',
                  value: `${DB_MANAGER_SERVICE}.${ns}.svc:${HTTP_PORT}`,
                },
              ],
              ports: [
                { name: 'api', containerPort: DB_MANAGER_PORT },
                { name: 'http', containerPort: HTTP_PORT },
              ],
              // gRPC health (grpc.health.v1), as Katib's DB manager is probed.
              readinessProbe: { grpc: { port: DB_MANAGER_PORT }, initialDelaySeconds: 5, periodSeconds: 10 },
              livenessProbe: {
                grpc: { port: DB_MANAGER_PORT },
                initialDelaySeconds: 30,
                periodSeconds: 20,
                failureThreshold: 6,
              },
              volumeMounts: [{ name: 'work', mountPath: '/var/lib/katib' }],
              resources: { requests: { cpu: '100m', memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
          volumes: [{ name: 'work', emptyDir: {} }],
        },
      },
    },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: DB_MANAGER_SERVICE, namespace: ns, labels: labels('server') },
    spec: {
      selector: selector('server'),
      ports: [
        { name: 'api', port: DB_MANAGER_PORT, targetPort: 'api', protocol: 'TCP' },
        { name: 'http', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' },
      ],
    },
  };
  return [namespace, account, role, binding, deployment, service];
}
