import type { V1Secret, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { labels, type ResolvedManifestOptions, selector } from './options.js';

/** The Secret (key KATIB_DB_URL) that `katib server` reads its database URL from. */
export const DB_URL_SECRET = 'katib-db';
export const DB_URL_KEY = 'KATIB_DB_URL';

interface Engine {
  name: string;
  image: string;
  port: number;
  dataPath: string;
  env: (password: string) => { name: string; value: string }[];
  ready: string[];
  url: (password: string, host: string) => string;
}

// MariaDB for `mysql`: the MySQL-compatible server katib-ts's store is tested against, and whose
// root login mysql2 speaks without TLS.
const ENGINES: Record<'mysql' | 'postgres', Engine> = {
  mysql: {
    name: 'katib-mysql',
    image: 'mariadb:11.4',
    port: 3306,
    dataPath: '/var/lib/mysql',
    env: (password) => [
      { name: 'MARIADB_ROOT_PASSWORD', value: password },
      { name: 'MARIADB_DATABASE', value: 'katib' },
    ],
    ready: ['healthcheck.sh', '--connect', '--innodb_initialized'],
    url: (password, host) => `mysql://root:${password}@${host}:3306/katib`,
  },
  postgres: {
    name: 'katib-postgres',
    image: 'postgres:16',
    port: 5432,
    dataPath: '/var/lib/postgresql/data',
    env: (password) => [
      { name: 'POSTGRES_PASSWORD', value: password },
      { name: 'POSTGRES_DB', value: 'katib' },
      { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
    ],
    ready: ['pg_isready', '-U', 'postgres', '-d', 'katib'],
    url: (password, host) => `postgres://postgres:${password}@${host}:5432/katib`,
  },
};

/**
 * The database: a StatefulSet of one with a 10 GiB volume and its Service (Katib's names:
 * katib-mysql, katib-postgres), its password in a Secret, and the katib-db Secret with the URL
 * `katib server` connects with. Nothing when an existing database's Secret is named instead.
 */
export function databaseObjects(o: ResolvedManifestOptions): (V1Secret | V1Service | V1StatefulSet)[] {
  if (o.dbSecret !== undefined) return [];
  const engine = ENGINES[o.db];
  const component = `database-${o.db}`;
  const host = `${engine.name}.${o.namespace}.svc`;
  const env = engine.env(o.dbPassword);
  const secretName = `${engine.name}-secrets`;
  const passwordSecret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace: o.namespace, labels: labels(component) },
    type: 'Opaque',
    stringData: Object.fromEntries(env.map((e) => [e.name, e.value])),
  };
  const urlSecret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: DB_URL_SECRET, namespace: o.namespace, labels: labels('server') },
    type: 'Opaque',
    stringData: { [DB_URL_KEY]: engine.url(o.dbPassword, host) },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: engine.name, namespace: o.namespace, labels: labels(component) },
    spec: {
      selector: selector(component),
      ports: [{ name: 'db', port: engine.port, targetPort: engine.port, protocol: 'TCP' }],
    },
  };
  const statefulSet: V1StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: engine.name, namespace: o.namespace, labels: labels(component) },
    spec: {
      serviceName: engine.name,
      replicas: 1,
      selector: { matchLabels: selector(component) },
      template: {
        metadata: { labels: labels(component) },
        spec: {
          containers: [
            {
              name: 'database',
              image: engine.image,
              ports: [{ name: 'db', containerPort: engine.port }],
              envFrom: [{ secretRef: { name: secretName } }],
              readinessProbe: { exec: { command: engine.ready }, initialDelaySeconds: 10, periodSeconds: 5 },
              livenessProbe: { exec: { command: engine.ready }, initialDelaySeconds: 60, periodSeconds: 20 },
              volumeMounts: [{ name: 'data', mountPath: engine.dataPath }],
              resources: { requests: { cpu: '100m', memory: '256Mi' } },
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
        },
      ],
    },
  };
  return [passwordSecret, urlSecret, service, statefulSet];
}
