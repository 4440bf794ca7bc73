import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1Deployment,
  V1Job,
  V1MutatingWebhookConfiguration,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { labels, type ResolvedManifestOptions, selector } from './options.js';
import { DB_MANAGER_PORT, DB_MANAGER_SERVICE, HTTP_PORT } from './server.js';

const WEBHOOK = 'katib-webhook';
export const WEBHOOK_CERT_SECRET = 'katib-webhook-cert';
export const SHIMS_CONFIGMAP = 'katib-ts-injection-shims';
const CERTGEN = 'katib-webhook-certgen';
const WEBHOOK_PORT = 8443;

/** The MutatingWebhookConfiguration's name: cluster-wide, so it names the namespace it serves. */
export function webhookConfigurationName(namespace: string): string {
  return `katib-ts-${namespace}`;
}

type WebhookObject =
  | V1ConfigMap
  | V1Deployment
  | V1Service
  | V1MutatingWebhookConfiguration
  | V1ServiceAccount
  | V1Role
  | V1RoleBinding
  | V1ClusterRole
  | V1ClusterRoleBinding
  | V1Job;

/**
 * The admission webhook (`katib webhook`, see docs/injection.md): its Deployment and Service, the
 * shims ConfigMap it mounts into trial pods, and a MutatingWebhookConfiguration for the Pods
 * labelled katib.kubeflow.org/trial in the namespace (failurePolicy Ignore: a trial still runs
 * without injection when the webhook is down). Its certificate: two Jobs of kube-webhook-certgen
 * (as ingress-nginx installs its own webhook) make a self-signed CA and serving certificate into
 * the katib-webhook-cert Secret, then write the CA into the configuration's caBundle; the
 * webhook's pod starts once the Secret exists.
 */
export function webhookObjects(o: ResolvedManifestOptions, shims: V1ConfigMap): WebhookObject[] {
  const ns = o.namespace;
  const configurationName = webhookConfigurationName(ns);
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: WEBHOOK, namespace: ns, labels: labels('webhook') },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector('webhook') },
      template: {
        metadata: { labels: labels('webhook') },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
          containers: [
            {
              name: 'katib-webhook',
              image: o.image,
              args: [
                'webhook',
                '--tls-cert',
                '/certs/tls.crt',
                '--tls-key',
                '/certs/tls.key',
                '--listen',
                `0.0.0.0:${WEBHOOK_PORT}`,
                '--db-manager-address',
                `${DB_MANAGER_SERVICE}.${ns}.svc:${DB_MANAGER_PORT}`,
                '--db-manager-http-address',
                `${DB_MANAGER_SERVICE}.${ns}.svc:${HTTP_PORT}`,
                '--shims-configmap',
                SHIMS_CONFIGMAP,
              ],
              ports: [{ name: 'https', containerPort: WEBHOOK_PORT }],
              readinessProbe: {
                httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' },
                periodSeconds: 10,
              },
              volumeMounts: [{ name: 'certs', mountPath: '/certs', readOnly: true }],
              resources: { requests: { cpu: '50m', memory: '128Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
          volumes: [
            {
              name: 'certs',
              // kube-webhook-certgen names the keys cert, key and ca.
              secret: {
                secretName: WEBHOOK_CERT_SECRET,
                items: [
                  { key: 'cert', path: 'tls.crt' },
                  { key: 'key', path: 'tls.key' },
                ],
              },
            },
          ],
        },
      },
    },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: WEBHOOK, namespace: ns, labels: labels('webhook') },
    spec: {
      selector: selector('webhook'),
      ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
    },
  };
  const configuration: V1MutatingWebhookConfiguration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: configurationName, labels: labels('webhook') },
    webhooks: [
      {
        name: 'pods.katib-ts.kubeflow.org',
        clientConfig: { service: { name: WEBHOOK, namespace: ns, path: '/mutate', port: 443 } },
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE'],
            resources: ['pods'],
            scope: 'Namespaced',
          },
        ],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
        objectSelector: { matchExpressions: [{ key: 'katib.kubeflow.org/trial', operator: 'Exists' }] },
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        failurePolicy: 'Ignore',
        reinvocationPolicy: 'Never',
        timeoutSeconds: 10,
      },
    ],
  };
  return [shims, deployment, service, configuration, ...certificateObjects(o, configurationName)];
}

/** kube-webhook-certgen's account, rights and its two Jobs (create the Secret; patch the caBundle). */
function certificateObjects(o: ResolvedManifestOptions, configurationName: string): WebhookObject[] {
  const ns = o.namespace;
  const meta = { name: CERTGEN, namespace: ns, labels: labels('webhook-certgen') };
  const clusterName = `${CERTGEN}-${ns}`;
  const account: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta,
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create'] }],
  };
  const roleBinding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CERTGEN },
    subjects: [{ kind: 'ServiceAccount', name: CERTGEN, namespace: ns }],
  };
  const clusterRole: V1ClusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: clusterName, labels: labels('webhook-certgen') },
    rules: [
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingwebhookconfigurations'],
        resourceNames: [configurationName],
        verbs: ['get', 'update'],
      },
    ],
  };
  const clusterBinding: V1ClusterRoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: clusterName, labels: labels('webhook-certgen') },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
    subjects: [{ kind: 'ServiceAccount', name: CERTGEN, namespace: ns }],
  };
  const job = (name: string, args: string[]): V1Job => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, labels: labels('webhook-certgen') },
    spec: {
      backoffLimit: 10,
      template: {
        metadata: { labels: labels('webhook-certgen') },
        spec: {
          serviceAccountName: CERTGEN,
          restartPolicy: 'OnFailure',
          securityContext: { runAsNonRoot: true, runAsUser: 65532 },
          containers: [{ name: 'certgen', image: o.certgenImage, args }],
        },
      },
    },
  });
  return [
    account,
    role,
    roleBinding,
    clusterRole,
    clusterBinding,
    job(`${CERTGEN}-create`, [
      'create',
      `--host=${WEBHOOK},${WEBHOOK}.${ns}.svc`,
      `--namespace=${ns}`,
      `--secret-name=${WEBHOOK_CERT_SECRET}`,
    ]),
    // Retried until the configuration exists and the Secret has been made.
    job(`${CERTGEN}-patch`, [
      'patch',
      `--webhook-name=${configurationName}`,
      `--namespace=${ns}`,
      '--patch-mutating=true',
      '--patch-validating=false',
      `--secret-name=${WEBHOOK_CERT_SECRET}`,
      '--patch-failure-policy=Ignore',
    ]),
  ];
}
