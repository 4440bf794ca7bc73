/**
 * STAND-IN for the Kubernetes API server, for tests only: this machine has no cluster. It is not
 * Kubernetes; it answers the REST API the way the real API server does for what katib-ts uses, so
 * the Kubernetes runner is exercised through the real @kubernetes/client-node over real HTTP:
 *
 * - discovery (/api, /apis, /api/v1, /apis/GROUP/VERSION) for KubernetesObjectApi;
 * - create (201; 409 AlreadyExists; 400 for a namespace mismatch), get (404 NotFound), list with
 *   labelSelector/fieldSelector and the list's resourceVersion, replace (409 Conflict on a stale
 *   resourceVersion), merge patch, delete with propagationPolicy (Background, Foreground, Orphan;
 *   Jobs orphan their pods when none is given, as batch/v1 does), finalizers and graceful pod
 *   deletion;
 * - watch: replays events after `resourceVersion`, synthetic ADDED for the current objects without
 *   one, an ERROR event with a 410 Expired Status for a compacted resourceVersion (then closes),
 *   bookmarks when asked, selectors applied to both sides of a change (leaving the selection is a
 *   DELETED), `timeoutSeconds`;
 * - pods/log with container, follow, timestamps and sinceTime (400 for a waiting container or an
 *   unknown one);
 * - a bearer token, as the kubeconfig gives it.
 *
 * A Job controller and a kubelet that runs containers' commands as local processes come with it
 * (fake-kube-apiserver-workloads.ts). Test hooks break things the way a cluster does:
 * dropWatches() and dropLogStreams() cut open connections, compact() drops the event history,
 * listDelayMs and holdWatchHeaders make the path to it slow or buffering.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import {
  ApiError,
  apiVersionOf,
  fieldMatcher,
  labelMatcher,
  type Obj,
  ObjectStore,
  type Propagation,
  type ResourceType,
  type StoredEvent,
} from './fake-kube-apiserver-store.js';
import { type ContainerLog, FakeWorkloads } from './fake-kube-apiserver-workloads.js';

export type { Obj, ResourceType } from './fake-kube-apiserver-store.js';
export { NEVER_STARTS_IMAGE } from './fake-kube-apiserver-workloads.js';

const TOKEN = 'stand-in-token';

export const PODS: ResourceType = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
export const CONFIG_MAPS: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
export const JOBS: ResourceType = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
  defaultPropagation: 'Orphan',
};

export class FakeKubeApiServer {
  readonly store = new ObjectStore();
  readonly types: ResourceType[] = [PODS, CONFIG_MAPS, JOBS];
  /** Every request as `METHOD path?query`, for tests that check what the client did. */
  readonly requests: string[] = [];
  readonly #workloads = new FakeWorkloads(this.store, { jobs: JOBS, pods: PODS });
  readonly #server: Server;
  /** Open watch responses, with the query that opened each. */
  readonly #watches = new Map<ServerResponse, string>();
  readonly #logStreams = new Set<ServerResponse>();
  #url = '';
  /**
   * Test hooks for a slow or buffering path to the API server: lists of these kinds are answered
   * after a delay, and with `holdWatchHeaders` a watch's response starts only with its first
   * event (as behind a proxy that buffers), not at once as the API server sends it.
   */
  readonly listDelayMs = new Map<string, number>();
  holdWatchHeaders = false;

  constructor() {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res).catch((err: unknown) => {
        const apiError =
          err instanceof ApiError
            ? err
            : new ApiError(500, 'InternalError', err instanceof Error ? err.message : String(err));
        if (!res.headersSent) send(res, apiError.code, apiError.status());
        else res.destroy();
      });
    });
  }

  /** A custom resource kind (a CRD's), namespaced. */
  register(type: ResourceType): void {
    this.types.push(type);
  }

  async start(): Promise<string> {
    this.#workloads.start();
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async close(): Promise<void> {
    this.#workloads.stop();
    this.dropWatches();
    this.dropLogStreams();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** A kubeconfig for this server (token auth, `namespace` as the context's). */
  kubeConfig(namespace = 'default'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'stand-in', server: this.#url, skipTLSVerify: true }],
      users: [{ name: 'katib', token: TOKEN }],
      contexts: [{ name: 'stand-in', cluster: 'stand-in', user: 'katib', namespace }],
      currentContext: 'stand-in',
    });
    return kc;
  }

  /** The watches open now, each as `KIND query` (for tests that check none is left behind). */
  openWatches(): string[] {
    return [...this.#watches.values()];
  }

  /** Cuts every open watch connection, as a load balancer or an API server restart does. */
  dropWatches(): void {
    for (const res of this.#watches.keys()) res.destroy();
    this.#watches.clear();
  }

  dropLogStreams(): void {
    for (const res of this.#logStreams) res.destroy();
    this.#logStreams.clear();
  }

  /** Etcd compaction: a watch from a resourceVersion before now gets 410 Gone. */
  compact(): void {
    this.store.compact();
  }

  /** A bookmark on every open watch that asked for them. */
  bookmark(): void {
    for (const res of this.#watches.keys()) (res as ServerResponse & { bookmark?: () => void }).bookmark?.();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    const q = url.searchParams;
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const discovery = this.#discovery(parts);
    if (discovery) return send(res, 200, discovery);
    const prefix = parts[0] === 'api' ? 1 : parts[0] === 'apis' ? 2 : -1;
    const group = prefix === 2 ? parts[1]! : '';
    const version = parts[prefix]!;
    const rest = parts.slice(prefix + 1);
    if (prefix < 0 || rest[0] !== 'namespaces' || rest.length < 3)
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const namespace = rest[1]!;
    const type = this.types.find((t) => t.group === group && t.version === version && t.plural === rest[2]);
    if (!type) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const name = rest[3];
    const sub = rest[4];
    const method = req.method ?? 'GET';
    if (name === undefined) {
      if (method === 'GET' && q.get('watch') === 'true') return this.#watch(type, namespace, q, res);
      if (method === 'GET') {
        const delay = this.listDelayMs.get(type.kind) ?? 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        const matches = selectorOf(q);
        const items = this.store
          .list(type, namespace, matches)
          .map(({ apiVersion: _a, kind: _k, ...item }) => item);
        return send(res, 200, {
          apiVersion: apiVersionOf(type),
          kind: `${type.kind}List`,
          metadata: { resourceVersion: String(this.store.rv) },
          items,
        });
      }
      if (method === 'POST') return send(res, 201, this.store.create(type, namespace, await body(req)));
    } else if (type === PODS && sub === 'log' && method === 'GET') {
      return this.#log(namespace, name, q, res);
    } else if (sub === undefined || sub === 'status') {
      if (method === 'GET') return send(res, 200, this.store.mustGet(type, namespace, name));
      if (method === 'PUT') {
        const next = await body(req);
        return send(
          res,
          200,
          this.store.replace(type, namespace, name, next, next.metadata?.resourceVersion),
        );
      }
      if (method === 'PATCH') {
        const patch = await body(req);
        const current = this.store.mustGet(type, namespace, name);
        return send(res, 200, this.store.replace(type, namespace, name, mergePatch(current, patch) as Obj));
      }
      if (method === 'DELETE') {
        const options = await body(req).catch(() => ({}) as Obj);
        const policy = (q.get('propagationPolicy') ?? options.propagationPolicy ?? undefined) as
          | Propagation
          | undefined;
        const grace = q.get('gracePeriodSeconds') ?? options.gracePeriodSeconds;
        const deleted = this.store.delete(
          type,
          namespace,
          name,
          policy,
          grace === undefined || grace === null ? undefined : Number(grace),
        );
        return send(res, 200, deleted);
      }
    }
    throw new ApiError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource`,
    );
  }

  #discovery(parts: string[]): Obj | undefined {
    const resourceList = (group: string, version: string): Obj | undefined => {
      const types = this.types.filter((t) => t.group === group && t.version === version);
      if (types.length === 0) return undefined;
      const resources = types.flatMap((t) => [
        {
          name: t.plural,
          singularName: t.kind.toLowerCase(),
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        },
        ...(t === PODS
          ? [{ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] }]
          : []),
      ]);
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources,
      };
    };
    if (parts.length === 1 && parts[0] === 'api')
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
    if (parts.length === 2 && parts[0] === 'api') return resourceList('', parts[1]!);
    if (parts.length === 3 && parts[0] === 'apis') return resourceList(parts[1]!, parts[2]!);
    if (parts.length === 1 && parts[0] === 'apis') {
      const groups = [
        ...new Set(this.types.filter((t) => t.group).map((t) => `${t.group}/${t.version}`)),
      ].map((gv) => {
        const [name, version] = gv.split('/') as [string, string];
        return {
          name,
          versions: [{ groupVersion: gv, version }],
          preferredVersion: { groupVersion: gv, version },
        };
      });
      return { kind: 'APIGroupList', apiVersion: 'v1', groups };
    }
    return undefined;
  }

  #watch(type: ResourceType, namespace: string, q: URLSearchParams, res: ServerResponse): void {
    const matches = selectorOf(q);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // As the API server does: the client sees the watch open before any event.
    if (!this.holdWatchHeaders) res.flushHeaders();
    const write = (type_: string, object: Obj): void => {
      res.write(`${JSON.stringify({ type: type_, object })}\n`);
    };
    const from = q.get('resourceVersion') ?? '';
    if (from !== '' && from !== '0' && Number(from) < this.store.compactedThrough) {
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${from} (${this.store.compactedThrough})`,
        reason: 'Expired',
        code: 410,
      });
      res.end();
      return;
    }
    const deliver = (event: StoredEvent): void => {
      if (event.resource !== type || event.object.metadata.namespace !== namespace) return;
      const now = matches(event.object);
      const before = event.previous ? matches(event.previous) : event.type !== 'ADDED' && now;
      if (event.type === 'MODIFIED' && before !== now) write(now ? 'ADDED' : 'DELETED', event.object);
      else if (now) write(event.type, event.object);
    };
    if (from === '' || from === '0')
      for (const object of this.store.list(type, namespace, matches)) write('ADDED', object);
    else for (const event of this.store.events) if (event.rv > Number(from)) deliver(event);
    const off = this.store.onEvent(deliver);
    if (q.get('allowWatchBookmarks') === 'true') {
      (res as ServerResponse & { bookmark?: () => void }).bookmark = () =>
        write('BOOKMARK', {
          apiVersion: apiVersionOf(type),
          kind: type.kind,
          metadata: { resourceVersion: String(this.store.rv) },
        });
    }
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    this.#watches.set(res, `${type.kind} ${q.toString()}`);
    res.on('close', () => {
      off();
      clearTimeout(timer);
      this.#watches.delete(res);
    });
  }

  #log(namespace: string, name: string, q: URLSearchParams, res: ServerResponse): void {
    const pod = this.store.mustGet(PODS, namespace, name);
    const containers: Obj[] = pod.spec.containers ?? [];
    let container = q.get('container') ?? undefined;
    if (container === undefined) {
      if (containers.length !== 1)
        throw new ApiError(
          400,
          'BadRequest',
          `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
        );
      container = containers[0]!.name as string;
    }
    if (!containers.some((c) => c.name === container))
      throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
    const status = (pod.status?.containerStatuses ?? []).find((c: Obj) => c.name === container);
    const waiting = status?.state?.waiting;
    const log: ContainerLog | undefined = this.#workloads.log(pod.metadata.uid, container);
    if (!log || (waiting && log.entries.length === 0)) {
      throw new ApiError(
        400,
        'BadRequest',
        `container "${container}" in pod "${name}" is waiting to start: ${waiting?.reason ?? 'ContainerCreating'}`,
      );
    }
    const timestamps = q.get('timestamps') === 'true';
    const since = q.get('sinceTime');
    const sinceNs = since ? nanos(since) : undefined;
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    let sent = 0;
    const flush = (): void => {
      for (; sent < log.entries.length; sent++) {
        const entry = log.entries[sent]!;
        if (sinceNs !== undefined && nanos(entry.time) < sinceNs) continue;
        res.write(`${timestamps ? `${entry.time} ` : ''}${entry.text}\n`);
      }
      if (q.get('follow') !== 'true' || log.done) res.end();
    };
    flush();
    if (res.writableEnded) return;
    log.changed.add(flush);
    this.#logStreams.add(res);
    res.on('close', () => {
      log.changed.delete(flush);
      this.#logStreams.delete(res);
    });
  }
}

function selectorOf(q: URLSearchParams): (o: Obj) => boolean {
  const labels = labelMatcher(q.get('labelSelector') ?? undefined);
  const fields = fieldMatcher(q.get('fieldSelector') ?? undefined);
  return (o) => labels(o) && fields(o);
}

function send(res: ServerResponse, code: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function body(req: IncomingMessage): Promise<Obj> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as Obj;
  } catch {
    throw new ApiError(400, 'BadRequest', 'the request body is not JSON');
  }
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Nanoseconds since the epoch of an RFC 3339 time (the fraction, when there is one, to the nanosecond). */
function nanos(time: string): bigint {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) throw new ApiError(400, 'BadRequest', `bad time ${time}`);
  const fraction = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(Date.parse(`${m[1]}${m[3]}`)) * 1_000_000n + BigInt(fraction);
}
