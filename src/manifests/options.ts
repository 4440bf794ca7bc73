import { randomBytes } from 'node:crypto';
import { invalidArgument } from '../api/errors.js';

export type ManifestDatabase = 'mysql' | 'postgres';

export interface ManifestOptions {
  /** Where everything goes, and where trials run. Default `kubeflow` (Katib's). */
  namespace?: string;
  /** The database deployed with it. Default `mysql`. */
  db?: ManifestDatabase;
  /**
   * Use an existing database instead: the name of a Secret (in `namespace`) whose key
   * KATIB_DB_URL holds its URL (mysql://... or postgres://...). No database is deployed.
   */
  dbSecret?: string;
  /** The deployed database's password. Default: 24 random characters (keep the YAML you apply). */
  dbPassword?: string;
  /** The katib-ts image (the `katib` CLI as its entrypoint). */
  image?: string;
  /** The image of the Jobs that make and install the webhook's certificate. */
  certgenImage?: string;
}

export type ResolvedManifestOptions = Required<Omit<ManifestOptions, 'dbSecret'>> & { dbSecret?: string };

export const DEFAULT_NAMESPACE = 'kubeflow';
export const DEFAULT_IMAGE = 'katib-ts:0.1.0';
export const DEFAULT_CERTGEN_IMAGE = 'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.1';

// RFC 1123 label, as Kubernetes requires of namespace and Secret names used here.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Defaults applied and every option checked: INVALID_ARGUMENT naming the option otherwise. */
export function resolveManifestOptions(options: ManifestOptions = {}): ResolvedManifestOptions {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  if (!DNS_LABEL.test(namespace) || namespace.length > 63)
    throw invalidArgument(
      'namespace',
      namespace,
      'must be a Kubernetes namespace name (lowercase letters, digits, -; at most 63)',
    );
  const db = options.db ?? 'mysql';
  if (db !== 'mysql' && db !== 'postgres') throw invalidArgument('db', db, 'must be mysql or postgres');
  if (options.dbSecret !== undefined && (!DNS_LABEL.test(options.dbSecret) || options.dbSecret.length > 63))
    throw invalidArgument(
      'dbSecret',
      options.dbSecret,
      'must be a Secret name (lowercase letters, digits, -)',
    );
  if (options.dbPassword !== undefined && !/^[A-Za-z0-9._~-]{8,}$/.test(options.dbPassword))
    throw invalidArgument(
      'dbPassword',
      '(hidden)',
      'must be at least 8 characters among letters, digits and . _ ~ -',
    );
  for (const key of ['image', 'certgenImage'] as const) {
    const value = options[key];
    if (value !== undefined && (value === '' || /\s/.test(value)))
      throw invalidArgument(key, value, 'must be an image reference (no spaces)');
  }
  return {
    namespace,
    db,
    ...(options.dbSecret !== undefined ? { dbSecret: options.dbSecret } : {}),
    dbPassword: options.dbPassword ?? randomBytes(18).toString('base64url'),
    image: options.image ?? DEFAULT_IMAGE,
    certgenImage: options.certgenImage ?? DEFAULT_CERTGEN_IMAGE,
  };
}

/** Labels every object gets; `component` tells the parts apart. */
export function labels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'katib-ts',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'katib-ts',
  };
}

/** The labels a component's pods are selected by. */
export function selector(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'katib-ts', 'app.kubernetes.io/component': component };
}
