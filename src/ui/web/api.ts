import type { DashboardConfig } from '../wire.js';

/** The dashboard's settings, inlined by the server in index.html. */
export function readConfig(): DashboardConfig {
  const text = document.getElementById('katib-config')?.textContent;
  try {
    return text ? (JSON.parse(text) as DashboardConfig) : { writable: false, actions: [] };
  } catch {
    return { writable: false, actions: [] };
  }
}

/** `path` relative to the dashboard's mount point (its <base href>). */
export function apiUrl(path: string): string {
  return new URL(`api/${path}`, document.baseURI).href;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(apiUrl(path), { headers: { accept: 'application/json' } });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

/** A change (stop, delete): the dashboard's header marks it as asked for by this page. */
export async function send(method: 'POST' | 'DELETE', path: string): Promise<void> {
  const res = await fetch(apiUrl(path), { method, headers: { 'x-katib-dashboard': '1' } });
  if (!res.ok) throw await errorOf(res);
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message);
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface LiveStream {
  close(): void;
}

type Handlers<E> = { [K in keyof E]?: (data: E[K], replayed: boolean) => void };

/**
 * Opens the Server-Sent Events stream at `path`. On each `ready` (the first, and after every
 * reconnection) it calls `load` to fetch the snapshot, holding back events meanwhile, then
 * replays them (`replayed` true) and passes later ones straight on: nothing falls in between.
 */
export function liveStream<E>(
  path: string,
  handlers: Handlers<E>,
  load: () => Promise<void>,
  onState: (state: LiveState, error?: unknown) => void,
): LiveStream {
  const source = new EventSource(apiUrl(path));
  let held: { name: keyof E; data: unknown }[] | undefined = [];
  let loaded = false;
  const deliver = (name: keyof E, data: unknown, replayed: boolean): void => {
    try {
      (handlers[name] as ((d: unknown, r: boolean) => void) | undefined)?.(data, replayed);
    } catch (err) {
      console.error(`dashboard: ${String(name)} event`, err);
    }
  };
  for (const name of Object.keys(handlers) as (keyof E & string)[]) {
    source.addEventListener(name, (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as unknown;
      if (held) held.push({ name, data });
      else deliver(name, data, false);
    });
  }
  source.addEventListener('ready', () => {
    held ??= [];
    load().then(
      () => {
        loaded = true;
        const replay = held ?? [];
        held = undefined;
        for (const e of replay) deliver(e.name, e.data, true);
        onState('live');
      },
      (err: unknown) => {
        held = undefined;
        onState('closed', err);
        source.close();
      },
    );
  });
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) {
      onState('reconnecting');
      return;
    }
    // Refused outright (e.g. 404 for an unknown name): the snapshot's request says why.
    if (!loaded)
      load().then(
        () => onState('closed'),
        (err: unknown) => onState('closed', err),
      );
    else onState('closed');
  });
  onState('connecting');
  return { close: () => source.close() };
}
