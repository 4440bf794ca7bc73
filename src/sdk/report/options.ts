import { InvalidMetricError, MissingTrialNameError } from './errors.js';

/** Katib's in-cluster DB manager address, what its Python SDK uses when none is given. */
export const DEFAULT_DB_MANAGER_ADDRESS = 'katib-db-manager.kubeflow:6789';
/** Seconds a push may take, retries included (Katib's `report_metrics` default). */
export const DEFAULT_TIMEOUT_SECONDS = 120;
const DEFAULT_PORT = 6789;
/** Katib stores names in VARCHAR(255). */
export const MAX_NAME_LENGTH = 255;

export interface ReportOptions {
  /** `host:port`, `[ipv6]:port`, `host` (port 6789); `http://` or `dns:///` prefixes allowed. */
  dbManagerAddress?: string;
  /** Seconds, retries included; default 120 like Katib's. */
  timeout?: number;
  trialName?: string;
}

/** Options with every default applied, ready for the wire. */
export interface ResolvedTarget {
  trialName: string;
  /** As given (for messages). */
  address: string;
  /** `http://host:port`, what node:http2 connects to. */
  authority: string;
  timeoutMs: number;
}

/**
 * Applies options, then the env (`KATIB_TRIAL_NAME`, `KATIB_DB_MANAGER_ADDRESS`), then Katib's
 * defaults. Throws MissingTrialNameError or InvalidMetricError (field `options.<name>`).
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
  return { trialName, address, authority: authorityOf(address), timeoutMs: timeout * 1000 };
}

// NUL is refused by PostgreSQL text columns, lone surrogates by every UTF-8 column: the DB
// manager rejects both (as it does names past 255 code points), so they are caught here,
// before a batch that holds them is lost in the background.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** Throws InvalidMetricError unless `name` is 1 to 255 code points of storable text. */
export function checkName(field: string, name: string, what = ''): void {
  if (name.length === 0) throw new InvalidMetricError(field, name, `${what}must not be empty`);
  // Code units >= code points, so only a long name needs counting.
  if (name.length > MAX_NAME_LENGTH && [...name].length > MAX_NAME_LENGTH) {
    throw new InvalidMetricError(field, name, `${what}must be at most ${MAX_NAME_LENGTH} characters`);
  }
  if (UNSTORABLE.test(name)) {
    throw new InvalidMetricError(
      field,
      name,
      `${what}must not contain NUL characters or unpaired UTF-16 surrogates`,
    );
  }
}

const ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]]+))(?::(\d{1,5}))?$/;

/** `host:port` -> `http://host:port`; throws InvalidMetricError for anything else. */
export function authorityOf(address: string): string {
  const field = 'options.dbManagerAddress';
  if (typeof address !== 'string') throw new InvalidMetricError(field, address, 'must be a string host:port');
  const bare = address.replace(/^(?:http:\/\/|dns:\/\/\/)/, '').replace(/\/$/, '');
  const m = ADDRESS.exec(bare);
  const port = m?.[3] === undefined ? DEFAULT_PORT : Number(m[3]);
  if (!m || port < 1 || port > 65535) {
    throw new InvalidMetricError(
      field,
      address,
      'is not a cleartext gRPC address (host:port, [ipv6]:port or host; TLS is not supported)',
    );
  }
  const host = m[1] === undefined ? m[2] : `[${m[1]}]`;
  return `http://${host}:${port}`;
}
