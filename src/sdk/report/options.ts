import type { KatibError } from '../../api/errors.js';
import { metricNameProblem } from '../../api/metric-name.js';
import { InvalidMetricError, MissingTrialNameError } from './errors.js';

/** Katib's in-cluster DB manager address, what its Python SDK uses when none is given. */
export const DEFAULT_DB_MANAGER_ADDRESS = 'katib-db-manager.kubeflow:6789';
/** Seconds a push may take, retries included (Katib's `report_metrics` default). */
export const DEFAULT_TIMEOUT_SECONDS = 120;
const DEFAULT_PORT = 6789;

export interface ReportOptions {
  /**
   * `host:port`, `[ipv6]:port`, `host` (port 6789); `http://` or `dns:///` prefixes allowed;
   * `https://` for TLS (as does env KATIB_DB_MANAGER_TLS=true).
   */
  dbManagerAddress?: string;
  /**
   * Bearer token sent as `authorization` metadata; default env KATIB_TRIAL_TOKEN (the controller
   * sets it in each trial when the DB manager has authentication on). None: no metadata.
   */
  token?: string;
  /**
   * PEM file of the CA(s) that signed the DB manager's TLS certificate; default env
   * KATIB_DB_MANAGER_CA, else the system's CAs. Only used over TLS.
   */
  caFile?: string;
  /** Seconds, retries included; default 120 like Katib's. */
  timeout?: number;
  trialName?: string;
  /**
   * Called before each retry with the failure that caused it (code `unavailable` or
   * `deadline_exceeded`), the attempt that failed (1 for the first) and the wait before the next.
   * For logging; it must not throw (an exception is ignored).
   */
  onRetry?: RetryListener;
}

export type RetryListener = (error: KatibError, attempt: number, waitMs: number) => void;

/** Options with every default applied, ready for the wire. */
export interface ResolvedTarget {
  trialName: string;
  /** As given (for messages). */
  address: string;
  /** `http://host:port` or `https://host:port`, what node:http2 connects to. */
  authority: string;
  timeoutMs: number;
  /** The bearer token to send, if any. */
  token?: string;
  /** The CA file to trust over TLS, if any. */
  caFile?: string;
  onRetry?: RetryListener;
}

/**
 * Applies options, then the env (`KATIB_TRIAL_NAME`, `KATIB_DB_MANAGER_ADDRESS`,
 * `KATIB_TRIAL_TOKEN`, `KATIB_DB_MANAGER_TLS`, `KATIB_DB_MANAGER_CA`), then Katib's defaults.
 * Throws MissingTrialNameError or InvalidMetricError (field `options.<name>` or the variable).
 */
export function resolveTarget(
  options: ReportOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedTarget {
  const trialName = options.trialName ?? env.KATIB_TRIAL_NAME;
  if (trialName === undefined || trialName === '') {
    if (options.trialName === '') throw new InvalidMetricError('options.trialName', '', 'must not be empty');
    throw new MissingTrialNameError();
  }
  if (typeof trialName !== 'string')
    throw new InvalidMetricError('options.trialName', trialName, 'must be a string');
  checkName('options.trialName', trialName);
  const address = options.dbManagerAddress ?? (env.KATIB_DB_MANAGER_ADDRESS || DEFAULT_DB_MANAGER_ADDRESS);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_SECONDS;
  if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
    throw new InvalidMetricError('options.timeout', timeout, 'must be a positive number of seconds');
  }
  let authority = authorityOf(address);
  if (authority.startsWith('http:') && tlsFromEnv(env)) authority = `https:${authority.slice(5)}`;
  const token = options.token ?? (env.KATIB_TRIAL_TOKEN || undefined);
  if (token !== undefined && (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)))
    throw new InvalidMetricError('options.token', token, 'must be printable ASCII without spaces');
  const caFile = options.caFile ?? (env.KATIB_DB_MANAGER_CA || undefined);
  if (caFile !== undefined && (typeof caFile !== 'string' || caFile === ''))
    throw new InvalidMetricError('options.caFile', caFile, 'must be a file path');
  return {
    trialName,
    address,
    authority,
    timeoutMs: timeout * 1000,
    ...(token !== undefined ? { token } : {}),
    ...(caFile !== undefined ? { caFile } : {}),
    ...(options.onRetry !== undefined ? { onRetry: checkListener(options.onRetry) } : {}),
  };
}

function checkListener(listener: unknown): RetryListener {
  if (typeof listener !== 'function')
    throw new InvalidMetricError('options.onRetry', listener, 'must be a function');
  return listener as RetryListener;
}

/** The token and CA of a target, as GrpcUnaryClient takes them. */
export function clientOptions(target: ResolvedTarget): { token?: string; caFile?: string } {
  return {
    ...(target.token !== undefined ? { token: target.token } : {}),
    ...(target.caFile !== undefined ? { caFile: target.caFile } : {}),
  };
}

/** KATIB_DB_MANAGER_TLS: true/1/yes/on or false/0/no/off/empty. */
function tlsFromEnv(env: NodeJS.ProcessEnv): boolean {
  const v = (env.KATIB_DB_MANAGER_TLS ?? '').trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  throw new InvalidMetricError('KATIB_DB_MANAGER_TLS', env.KATIB_DB_MANAGER_TLS, 'must be true or false');
}

/**
 * Throws InvalidMetricError unless `name` is a name the DB manager stores (src/api/metric-name.ts),
 * so that a batch holding a bad one fails at report() and is not lost in the background.
 */
export function checkName(field: string, name: string, what = ''): void {
  const problem = metricNameProblem(name);
  if (problem !== undefined) throw new InvalidMetricError(field, name, `${what}${problem}`);
}

const ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]]+))(?::(\d{1,5}))?$/;

/** `host:port` -> `http://host:port`, `https://host:port` stays TLS; throws InvalidMetricError for anything else. */
export function authorityOf(address: string): string {
  const field = 'options.dbManagerAddress';
  if (typeof address !== 'string') throw new InvalidMetricError(field, address, 'must be a string host:port');
  const scheme = address.startsWith('https://') ? 'https' : 'http';
  const bare = address.replace(/^(?:https?:\/\/|dns:\/\/\/)/, '').replace(/\/$/, '');
  const m = ADDRESS.exec(bare);
  const port = m?.[3] === undefined ? DEFAULT_PORT : Number(m[3]);
  if (!m || port < 1 || port > 65535) {
    throw new InvalidMetricError(
      field,
      address,
      'is not a gRPC address (host:port, [ipv6]:port or host, optionally with http:// or https://)',
    );
  }
  const host = m[1] === undefined ? m[2] : `[${m[1]}]`;
  return `${scheme}://${host}:${port}`;
}
