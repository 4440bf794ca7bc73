import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidArgument, KatibError } from '../api/errors.js';
import type { MetricLog } from '../api/observation.js';
import type { HttpHandler } from '../dbmanager/index.js';
import type { ExperimentStore, ObservationStore } from '../store/index.js';
import { type DashboardActions, DashboardApi } from './dashboard-api.js';
import { sendError, sendJson, sendText } from './http-reply.js';
import { LiveHub } from './live/live-hub.js';
import { DEFAULT_ASSETS_DIR, StaticAssets } from './static-assets.js';
import type { DashboardConfig } from './wire.js';

export interface DashboardOptions {
  /** The open database (the store's `Database` fits): experiments, trials, observation logs. */
  db: { experiments: ExperimentStore; observations: ObservationStore };
  /** The DB manager service (its `onReported` drives live metrics; every stored report passes there). */
  service: {
    onReported(listener: (trialName: string, logs: readonly MetricLog[]) => void): () => void;
  };
  /** Trial T of experiment E has the folder `<workRoot>/E/T` (trialDir), holding stdout.log and stderr.log; without it no logs are shown. */
  workRoot?: string;
  /**
   * Say at once when an experiment may have changed (ExperimentManager's `onChange` fits); without
   * it changes are found by polling every `pollIntervalMs`.
   */
  onChange?: (listener: (experimentName: string) => void) => () => void;
  /** Allow stopping and deleting from the browser. Default false: read-only. */
  writable?: boolean;
  /**
   * With `writable`: how to stop and delete. Without `delete`, finished experiments are deleted
   * from the store directly and unfinished ones are refused; without `stop`, there is no stop.
   */
  actions?: DashboardActions;
  /** URL path the dashboard lives under. Default `/` (the HTTP port's root). */
  prefix?: string;
  /** How often watched experiments are read from the store for changes. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Largest tail of stdout.log/stderr.log sent to the trial page. Default 64 KiB. */
  logTailBytes?: number;
  /** The built web client. Default the package's dist/ui/assets (made by `npm run build:ui`). */
  assetsDir?: string;
  /** Faults of background polls (a database that went away); default ignored. */
  onError?: (err: unknown) => void;
}

export interface Dashboard {
  /** The mount prefix, normalised (`/` or `/path` without a trailing slash). */
  readonly prefix: string;
  /** The dashboard's address on a server whose HTTP port is `httpAddress` (`host:port`). */
  urlFor(httpAddress: string): string;
  /** Looks for changes of `experimentName` (or of every watched one) now rather than at the next poll. */
  notify(experimentName?: string): void;
  /**
   * Ends every open event stream and stops watching. Call it before closing the HTTP server:
   * open streams would otherwise hold the server's drain until its timeout.
   */
  close(): void;
}

/** Anything with HttpRoutes' `mount` (the DB manager's `httpRoutes`). */
export interface MountPoint {
  mount(prefix: string, handler: HttpHandler): void;
}

/**
 * Serves the dashboard on `routes` under `options.prefix`: the web client (pages and assets) and
 * its JSON and Server-Sent Events API under `<prefix>/api/`. Read-only unless `writable`.
 */
export function mountDashboard(routes: MountPoint, options: DashboardOptions): Dashboard {
  const prefix = normalisePrefix(options.prefix ?? '/');
  const onError = options.onError ?? (() => {});
  const writable = options.writable === true;
  const config: DashboardConfig = {
    writable,
    actions: writable ? (options.actions?.stop ? ['stop', 'delete'] : ['delete']) : [],
  };
  const hub = new LiveHub({
    experiments: options.db.experiments,
    onReported: (listener) => options.service.onReported(listener),
    ...(options.onChange ? { onChange: options.onChange } : {}),
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    onError,
  });
  const api = new DashboardApi({
    experiments: options.db.experiments,
    observations: options.db.observations,
    hub,
    ...(options.workRoot !== undefined ? { workRoot: options.workRoot } : {}),
    logTailBytes: options.logTailBytes ?? 64 * 1024,
  });
  const assets = new StaticAssets(options.assetsDir ?? DEFAULT_ASSETS_DIR, prefix, config);
  const actions = {
    stop: writable ? options.actions?.stop : undefined,
    delete: writable ? (options.actions?.delete ?? ((name: string) => api.deleteFinished(name))) : undefined,
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const rest = prefix === '/' ? url.pathname : url.pathname.slice(prefix.length);
    const parts = rest.split('/').filter((p) => p !== '');
    let names: string[];
    try {
      names = parts.map((p) => decodeURIComponent(p));
    } catch {
      sendText(res, 400, 'bad path encoding\n');
      return;
    }
    const method = req.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    const [first, second, third, fourth] = names;
    if (first !== 'api') {
      if (!reading) return void sendText(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
      if (first === 'assets' && second !== undefined && third === undefined)
        return assets.asset(req, res, second);
      const page =
        names.length === 0 || (names.length === 2 && (first === 'experiments' || first === 'trials'));
      if (page) return assets.page(req, res);
      return void sendText(res, 404, 'not found\n');
    }
    try {
      if (second === 'events' && third === undefined && method === 'GET')
        return await hub.streamList(req, res);
      if (second === 'experiments' && reading && third === undefined) {
        return sendJson(req, res, 200, await api.listExperiments());
      }
      if (second === 'experiments' && third !== undefined) {
        if (fourth === undefined && reading) return sendJson(req, res, 200, await api.experiment(third));
        if (fourth === 'events' && method === 'GET' && names.length === 4) {
          await api.checkExperiment(third);
          return await hub.streamExperiment(req, res, third);
        }
        if (fourth === undefined && method === 'DELETE')
          return await act(req, res, actions.delete, third, 'delete');
        if (fourth === 'stop' && method === 'POST' && names.length === 4)
          return await act(req, res, actions.stop, third, 'stop');
      }
      if (second === 'trials' && third !== undefined && reading) {
        if (fourth === undefined) return sendJson(req, res, 200, await api.trial(third));
        if (fourth === 'logs' && names.length === 4)
          return sendJson(req, res, 200, await api.trialLogs(third));
        if (fourth === 'events' && method === 'GET' && names.length === 4) {
          const experiment = await api.experimentOfTrial(third);
          return await hub.streamExperiment(req, res, experiment, third);
        }
      }
      sendError(req, res, new KatibError('not_found', `no dashboard API ${method} ${url.pathname}`));
    } catch (err) {
      sendError(req, res, err);
    }
  };
  routes.mount(prefix, handle);
  return {
    prefix,
    urlFor: (httpAddress) => `http://${browsable(httpAddress)}${prefix === '/' ? '/' : `${prefix}/`}`,
    notify: (name) => hub.notify(name),
    close: () => hub.close(),
  };
}

/**
 * Runs a change the user asked for. Refused unless the dashboard is writable, and unless the
 * request carries the dashboard's own header: a cross-site page cannot send it without a CORS
 * preflight, which nothing here answers, so another site cannot make a browser act.
 */
async function act(
  req: IncomingMessage,
  res: ServerResponse,
  action: ((name: string) => Promise<void>) | undefined,
  name: string,
  what: string,
): Promise<void> {
  if (!action) {
    const reason = what === 'stop' ? 'this server offers no stop' : 'the dashboard is read-only';
    throw new KatibError('permission_denied', `cannot ${what} ${JSON.stringify(name)}: ${reason}`);
  }
  if (req.headers['x-katib-dashboard'] !== '1') {
    throw new KatibError(
      'permission_denied',
      `${what}: the request lacks the dashboard's x-katib-dashboard header`,
    );
  }
  await action(name);
  sendJson(req, res, 200, { ok: true });
}

function normalisePrefix(prefix: string): string {
  if (!prefix.startsWith('/') || /[?#\s]/.test(prefix)) {
    throw invalidArgument(
      'prefix',
      prefix,
      'must be a URL path starting with "/" (no query, fragment or spaces)',
    );
  }
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** A listen address as a browser can open it: a wildcard host becomes loopback. */
function browsable(httpAddress: string): string {
  if (httpAddress.startsWith('0.0.0.0:')) return `127.0.0.1:${httpAddress.slice('0.0.0.0:'.length)}`;
  if (httpAddress.startsWith('[::]:')) return `[::1]:${httpAddress.slice('[::]:'.length)}`;
  return httpAddress;
}
