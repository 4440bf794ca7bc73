import { ListWatch, Watch } from '@kubernetes/client-node';
import { type Json, type KubeApi, kubeApiError } from './kube-api.js';

export type WatchChange = 'add' | 'update' | 'delete';

export interface ObjectWatchOptions {
  api: KubeApi;
  apiVersion: string;
  kind: string;
  namespace: string;
  fieldSelector?: string;
  labelSelector?: string;
  onChange: (change: WatchChange, object: Json) => void;
  /** A failed list or watch, before it is retried. */
  onError: (message: string) => void;
  /** First wait before retrying a failed list or watch; doubles up to 30 s. */
  retryMs: number;
}

/**
 * Keeps up with a set of objects (a kind in a namespace, narrowed by selectors) through
 * @kubernetes/client-node's ListWatch: list, then watch from the list's resourceVersion; a watch
 * that ends is reopened from the last resourceVersion seen; a 410 Gone (the history was
 * compacted) relists, and objects that vanished meanwhile are reported deleted. Failures the
 * ListWatch gives up on (the API server unreachable, a 5xx, a dropped connection) are retried
 * here with backoff, resuming from the last resourceVersion.
 */
export class ObjectWatch {
  readonly #options: ObjectWatchOptions;
  #listWatch: ListWatch<never> | undefined;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  #delay: number;

  constructor(options: ObjectWatchOptions) {
    this.#options = options;
    this.#delay = options.retryMs;
  }

  async start(): Promise<void> {
    const o = this.#options;
    let path: string;
    try {
      path = await o.api.collectionPath(o.apiVersion, o.kind, o.namespace);
    } catch (err) {
      o.onError(kubeApiError(err).message);
      this.#scheduleRetry(() => void this.start());
      return;
    }
    if (this.#stopped) return;
    const list = async (): Promise<never> => {
      const result = await o.api.list(o.apiVersion, o.kind, o.namespace, {
        ...(o.fieldSelector !== undefined ? { fieldSelector: o.fieldSelector } : {}),
        ...(o.labelSelector !== undefined ? { labelSelector: o.labelSelector } : {}),
      });
      this.#delay = o.retryMs;
      return result as never;
    };
    const lw = new ListWatch<never>(
      path,
      new Watch(o.api.kubeConfig),
      list,
      false,
      o.labelSelector,
      o.fieldSelector,
    );
    const report = (change: WatchChange) => (object: Json) => {
      this.#delay = o.retryMs;
      if (!this.#stopped) o.onChange(change, object);
    };
    lw.on('add', report('add') as never);
    lw.on('update', report('update') as never);
    lw.on('delete', report('delete') as never);
    lw.on('error', (err: unknown) => {
      if (this.#stopped) return;
      o.onError(kubeApiError(err).message);
      this.#scheduleRetry(() => void this.#startListWatch(lw));
    });
    this.#listWatch = lw;
    await this.#startListWatch(lw);
  }

  /**
   * ListWatch keeps its watch request only once the response has started, so a stop() while the
   * request is on its way cannot abort it: the watch would then stay open (until the API server
   * ends it) with nobody listening. Stop it again once it is there.
   */
  async #startListWatch(lw: ListWatch<never>): Promise<void> {
    await lw.start();
    if (this.#stopped) void lw.stop();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    void this.#listWatch?.stop();
  }

  #scheduleRetry(fn: () => void): void {
    if (this.#stopped) return;
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, 30_000);
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      if (!this.#stopped) fn();
    }, delay);
  }
}
