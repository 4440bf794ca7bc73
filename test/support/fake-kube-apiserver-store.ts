/**
 * STAND-IN, for tests only: the storage half of a stand-in Kubernetes API server (see
 * fake-kube-apiserver.ts). It keeps objects as JSON the way the API server does over etcd: one
 * cluster-wide resourceVersion that every write raises, an event history that watches replay
 * from a resourceVersion (until it is compacted: then 410 Gone), AlreadyExists/NotFound/Conflict,
 * label and field selectors, finalizers, deletionTimestamp, and garbage collection through
 * ownerReferences with the Background, Foreground and Orphan propagation policies.
 */
import { randomUUID } from 'node:crypto';

// The stand-in handles objects of any shape, as JSON; `any` keeps its code as short as kubectl's view of them.
// biome-ignore lint/suspicious/noExplicitAny: JSON objects of any kind
export type Obj = Record<string, any>;

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Propagation when a delete names none (batch/v1 Jobs orphan their pods, for old clients). */
  defaultPropagation?: Propagation;
}

export type Propagation = 'Background' | 'Foreground' | 'Orphan';
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  type: EventType;
  resource: ResourceType;
  object: Obj;
  /** The object before a MODIFIED: a watch with a selector turns edges into ADDED/DELETED. */
  previous?: Obj;
}

/** An API error as the server answers it: a v1 Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
  ) {
    super(message);
  }

  status(): Obj {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export function apiVersionOf(t: ResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** `jobs.batch`, `pods`: how the API server names a resource in messages. */
export function qualified(t: ResourceType): string {
  return t.group === '' ? t.plural : `${t.plural}.${t.group}`;
}

const clone = <T>(value: T): T => structuredClone(value);

export class ObjectStore {
  rv = 0;
  /** History at or below this resourceVersion is gone: a watch from there gets 410 Gone. */
  compactedThrough = 0;
  readonly events: StoredEvent[] = [];
  readonly #objects = new Map<string, { resource: ResourceType; object: Obj }>();
  readonly #listeners = new Set<(event: StoredEvent) => void>();

  onEvent(listener: (event: StoredEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Drops the event history (etcd compaction): watches from an older resourceVersion get 410. */
  compact(): void {
    this.compactedThrough = this.rv;
    this.events.length = 0;
  }

  get(resource: ResourceType, namespace: string, name: string): Obj | undefined {
    const found = this.#objects.get(key(resource, namespace, name));
    return found ? clone(found.object) : undefined;
  }

  mustGet(resource: ResourceType, namespace: string, name: string): Obj {
    const found = this.get(resource, namespace, name);
    if (!found) throw notFound(resource, name);
    return found;
  }

  list(
    resource: ResourceType,
    namespace: string | undefined,
    matches: (o: Obj) => boolean = () => true,
  ): Obj[] {
    const out: Obj[] = [];
    for (const { resource: r, object } of this.#objects.values()) {
      if (r !== resource) continue;
      if (namespace !== undefined && object.metadata.namespace !== namespace) continue;
      if (matches(object)) out.push(clone(object));
    }
    return out.sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
  }

  /** Every object that names `uid` among its ownerReferences. */
  dependentsOf(uid: string): { resource: ResourceType; object: Obj }[] {
    return [...this.#objects.values()]
      .filter(({ object }) => (object.metadata.ownerReferences ?? []).some((o: Obj) => o.uid === uid))
      .map(({ resource, object }) => ({ resource, object: clone(object) }));
  }

  create(resource: ResourceType, namespace: string, input: Obj): Obj {
    const object = clone(input);
    object.metadata ??= {};
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
    if (typeof meta.name !== 'string' || meta.name === '') {
      throw new ApiError(422, 'Invalid', `${resource.kind} "" is invalid: metadata.name: Required value`);
    }
    if (meta.namespace !== undefined && meta.namespace !== namespace) {
      throw new ApiError(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const k = key(resource, namespace, meta.name);
    if (this.#objects.has(k)) {
      throw new ApiError(409, 'AlreadyExists', `${qualified(resource)} "${meta.name}" already exists`, {
        name: meta.name,
        group: resource.group,
        kind: resource.plural,
      });
    }
    if (object.apiVersion !== apiVersionOf(resource) || object.kind !== resource.kind) {
      throw new ApiError(
        400,
        'BadRequest',
        `${object.kind} in version "${object.apiVersion}" cannot be handled as a ${resource.kind}`,
      );
    }
    meta.namespace = namespace;
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.resourceVersion;
    this.#write('ADDED', resource, object);
    return clone(object);
  }

  /** Replaces the object; `expectedRv` (when set) must be the stored one, else 409 Conflict. */
  replace(resource: ResourceType, namespace: string, name: string, next: Obj, expectedRv?: string): Obj {
    const k = key(resource, namespace, name);
    const current = this.#objects.get(k);
    if (!current) throw notFound(resource, name);
    if (expectedRv !== undefined && expectedRv !== current.object.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualified(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const object = clone(next);
    for (const field of ['uid', 'creationTimestamp', 'namespace', 'name', 'deletionTimestamp'] as const) {
      if (current.object.metadata[field] === undefined) delete object.metadata[field];
      else object.metadata[field] = current.object.metadata[field];
    }
    if (JSON.stringify(object.spec) !== JSON.stringify(current.object.spec))
      object.metadata.generation = (current.object.metadata.generation ?? 1) + 1;
    // A deleting object whose finalizers are all gone is removed.
    if (object.metadata.deletionTimestamp && (object.metadata.finalizers ?? []).length === 0) {
      this.#remove(resource, object);
      return clone(object);
    }
    this.#write('MODIFIED', resource, object, current.object);
    return clone(object);
  }

  /** Read-modify-write for the stand-in's own controllers; undefined when the object is gone. */
  update(resource: ResourceType, namespace: string, name: string, change: (o: Obj) => void): Obj | undefined {
    const current = this.get(resource, namespace, name);
    if (!current) return undefined;
    change(current);
    return this.replace(resource, namespace, name, current);
  }

  /**
   * Deletes as the API server does: an object with finalizers (or a Foreground delete with
   * dependents, which adds the foregroundDeletion finalizer) only gets its deletionTimestamp until
   * they are cleared; a pod that has not ended likewise waits for the kubelet to stop it (unless
   * `gracePeriodSeconds` is 0). Dependents are deleted (Background, Foreground) or released (Orphan).
   */
  delete(
    resource: ResourceType,
    namespace: string,
    name: string,
    policy?: Propagation,
    gracePeriodSeconds?: number,
  ): Obj {
    const current = this.get(resource, namespace, name);
    if (!current) throw notFound(resource, name);
    const propagation = policy ?? resource.defaultPropagation ?? 'Background';
    const meta = current.metadata;
    if (meta.deletionTimestamp) return current;
    const graceful =
      resource.kind === 'Pod' &&
      gracePeriodSeconds !== 0 &&
      !['Succeeded', 'Failed'].includes(current.status?.phase);
    const finalizers: string[] = [...(meta.finalizers ?? [])];
    if (propagation === 'Foreground' && this.dependentsOf(meta.uid).length > 0)
      finalizers.push('foregroundDeletion');
    if (propagation === 'Orphan') this.#orphan(meta.uid);
    if (finalizers.length === 0 && !graceful) {
      this.#remove(resource, current);
      if (propagation === 'Background') this.#collect(meta.uid, 'Background');
      return current;
    }
    meta.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (graceful)
      meta.deletionGracePeriodSeconds =
        gracePeriodSeconds ?? current.spec?.terminationGracePeriodSeconds ?? 30;
    meta.finalizers = finalizers;
    this.#write('MODIFIED', resource, current, this.get(resource, namespace, name));
    if (propagation !== 'Orphan') this.#collect(meta.uid, propagation);
    if (finalizers.includes('foregroundDeletion')) this.#finishForeground(resource, current);
    return clone(current);
  }

  /** Ends a graceful deletion (the kubelet has stopped the pod). */
  finishDeletion(resource: ResourceType, namespace: string, name: string): void {
    const current = this.get(resource, namespace, name);
    if (current?.metadata.deletionTimestamp && (current.metadata.finalizers ?? []).length === 0)
      this.#remove(resource, current);
  }

  #collect(uid: string, propagation: Propagation): void {
    for (const { resource, object } of this.dependentsOf(uid)) {
      try {
        this.delete(resource, object.metadata.namespace, object.metadata.name, propagation);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
  }

  #orphan(uid: string): void {
    for (const { resource, object } of this.dependentsOf(uid)) {
      object.metadata.ownerReferences = object.metadata.ownerReferences.filter((o: Obj) => o.uid !== uid);
      this.replace(resource, object.metadata.namespace, object.metadata.name, object);
    }
  }

  /** The foregroundDeletion finalizer goes once no dependent is left; then the object goes. */
  #finishForeground(resource: ResourceType, owner: Obj): void {
    const { uid, namespace, name } = owner.metadata;
    const check = (): boolean => {
      if (this.dependentsOf(uid).length > 0) return false;
      this.update(resource, namespace, name, (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter(
          (f: string) => f !== 'foregroundDeletion',
        );
      });
      return true;
    };
    if (check()) return;
    const off = this.onEvent((event) => {
      if (event.type === 'DELETED' && check()) off();
    });
  }

  #remove(resource: ResourceType, object: Obj): void {
    this.#objects.delete(key(resource, object.metadata.namespace, object.metadata.name));
    this.#write('DELETED', resource, object, undefined, false);
  }

  #write(type: EventType, resource: ResourceType, object: Obj, previous?: Obj, store = true): void {
    this.rv++;
    object.metadata.resourceVersion = String(this.rv);
    if (store)
      this.#objects.set(key(resource, object.metadata.namespace, object.metadata.name), { resource, object });
    const event: StoredEvent = { rv: this.rv, type, resource, object: clone(object) };
    if (previous) event.previous = clone(previous);
    this.events.push(event);
    for (const listener of [...this.#listeners]) listener(event);
  }
}

function key(resource: ResourceType, namespace: string, name: string): string {
  return `${qualified(resource)}/${namespace}/${name}`;
}

export function notFound(resource: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(resource)} "${name}" not found`, {
    name,
    group: resource.group,
    kind: resource.plural,
  });
}

/** Equality-based and set-based label selectors (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`). */
export function labelMatcher(selector: string | undefined): (o: Obj) => boolean {
  if (!selector) return () => true;
  const terms = selector
    .split(/,(?![^(]*\))/)
    .map((t) => t.trim())
    .filter(Boolean);
  const tests = terms.map((term): ((labels: Obj) => boolean) => {
    let m = /^(\S+?)\s+(in|notin)\s+\((.*)\)$/.exec(term);
    if (m) {
      const [, k, op, list] = m as unknown as [string, string, string, string];
      const values = list.split(',').map((v) => v.trim());
      return op === 'in' ? (l) => values.includes(l[k]) : (l) => !values.includes(l[k]);
    }
    m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) {
      const [, k, op, v] = m as unknown as [string, string, string, string];
      return op === '!=' ? (l) => l[k] !== v : (l) => l[k] === v;
    }
    if (term.startsWith('!')) return (l) => !(term.slice(1) in l);
    if (/^[\w./-]+$/.test(term)) return (l) => term in l;
    throw new ApiError(400, 'BadRequest', `unable to parse requirement: ${term}`);
  });
  return (o) => tests.every((t) => t(o.metadata?.labels ?? {}));
}

/** Field selectors on metadata.name and metadata.namespace, as every resource supports. */
export function fieldMatcher(selector: string | undefined): (o: Obj) => boolean {
  if (!selector) return () => true;
  const tests = selector.split(',').map((term): ((o: Obj) => boolean) => {
    const m = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/.exec(term.trim());
    if (!m) throw new ApiError(400, 'BadRequest', `field label not supported: ${term.split(/[=!]/)[0]}`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const get = (o: Obj): unknown => o.metadata?.[field.slice('metadata.'.length)];
    return op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value;
  });
  return (o) => tests.every((t) => t(o));
}
