import { type KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';

export type Json = Record<string, unknown>;

/** Who a resource is: enough to read, patch or delete it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A failed API call: the HTTP status (0 when the server was not reached) and the server's message. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** KubernetesObjectApi with the list path of a kind exposed, for watches. */
class ResourceApi extends KubernetesObjectApi {
  useNamespaceOf(kc: KubeConfig): void {
    this.setDefaultNamespace(kc);
  }

  collectionPath(apiVersion: string, kind: string, namespace: string): Promise<string> {
    return this.specUriPath({ apiVersion, kind, metadata: { namespace } }, 'list');
  }
}

/**
 * The few calls the Kubernetes runner makes, over @kubernetes/client-node's generic object API
 * (any kind, found through the API server's discovery), with results as plain JSON (the client
 * turns time stamps into Dates for kinds it knows) and failures as KubeApiError.
 */
export class KubeApi {
  readonly #api: ResourceApi;
  readonly fieldManager = 'katib-ts';

  constructor(readonly kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(ResourceApi);
    this.#api.useNamespaceOf(kubeConfig);
  }

  /** The kubeconfig context's namespace (in a pod: its service account's), else "default". */
  get defaultNamespace(): string {
    const context = this.kubeConfig.getContextObject(this.kubeConfig.getCurrentContext());
    return context?.namespace || 'default';
  }

  create(object: Json): Promise<Json> {
    return call(() => this.#api.create(object as never, undefined, undefined, this.fieldManager));
  }

  read(ref: ObjectRef): Promise<Json> {
    return call(() => this.#api.read(header(ref) as never));
  }

  /** A JSON merge patch (RFC 7386) of `changes` into the object. */
  mergePatch(ref: ObjectRef, changes: Json): Promise<Json> {
    return call(() =>
      this.#api.patch(
        { ...header(ref), ...changes } as never,
        undefined,
        undefined,
        this.fieldManager,
        undefined,
        PatchStrategy.MergePatch,
      ),
    );
  }

  delete(ref: ObjectRef, propagationPolicy: 'Background' | 'Foreground' | 'Orphan'): Promise<Json> {
    return call(() =>
      this.#api.delete(header(ref) as never, undefined, undefined, undefined, undefined, propagationPolicy),
    );
  }

  /** Lists a kind in a namespace; the list's metadata carries its resourceVersion. */
  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    selectors: { fieldSelector?: string; labelSelector?: string } = {},
  ): Promise<{ metadata?: { resourceVersion?: string }; items: Json[] }> {
    const list = await call(() =>
      this.#api.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        selectors.fieldSelector,
        selectors.labelSelector,
      ),
    );
    return list as unknown as { metadata?: { resourceVersion?: string }; items: Json[] };
  }

  /** The REST path of a kind's collection in a namespace (discovery says its plural). */
  async collectionPath(apiVersion: string, kind: string, namespace: string): Promise<string> {
    try {
      return await this.#api.collectionPath(apiVersion, kind, namespace);
    } catch (err) {
      throw kubeApiError(err);
    }
  }
}

function header(ref: ObjectRef): Json {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
  };
}

/** Runs a client call; plain JSON out (Dates as RFC 3339), KubeApiError for any failure. */
async function call<T>(fn: () => Promise<T>): Promise<Json> {
  try {
    return JSON.parse(JSON.stringify(await fn())) as Json;
  } catch (err) {
    throw kubeApiError(err);
  }
}

/** A KubeApiError from whatever the client threw (ApiException, a network error, a discovery miss). */
export function kubeApiError(err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const e = err as { code?: unknown; body?: unknown; statusCode?: unknown; message?: unknown };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : 0;
  let body = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // a plain text body
    }
  }
  const fromBody =
    body !== null && typeof body === 'object' ? (body as { message?: unknown; reason?: unknown }) : {};
  const message =
    typeof fromBody.message === 'string'
      ? fromBody.message
      : typeof body === 'string' && body !== ''
        ? body
        : err instanceof Error
          ? err.message
          : String(err);
  return new KubeApiError(status, message, typeof fromBody.reason === 'string' ? fromBody.reason : undefined);
}
