import { type ErrorCode, KatibError, showValue } from '../../api/errors.js';

/**
 * Root of the errors that `reportMetrics` and `MetricsReporter` raise. Each subclass carries
 * a fixed KatibError code, so callers can `instanceof` the class or `switch (err.code)`.
 *
 * `lostPoints` is set on a failure of the batched reporter: how many metric points that
 * `report()` had accepted were not stored because of this failure.
 */
export class ReportMetricsError extends KatibError {
  lostPoints: number | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'ReportMetricsError';
  }
}

/** Neither `options.trialName` nor `KATIB_TRIAL_NAME` names the trial (code `failed_precondition`). */
export class MissingTrialNameError extends ReportMetricsError {
  constructor() {
    super(
      'failed_precondition',
      'KATIB_TRIAL_NAME: no trial name: set the KATIB_TRIAL_NAME environment variable (Katib sets it in every trial) or pass options.trialName',
      { field: 'KATIB_TRIAL_NAME' },
    );
    this.name = 'MissingTrialNameError';
  }
}

/**
 * A metric name or value, or an option, that cannot be sent (code `invalid_argument`).
 * `field` is `metrics.<name>` for a metric, `options.<name>` for an option; the message
 * shows the value and the rule.
 */
export class InvalidMetricError extends ReportMetricsError {
  readonly value: unknown;

  constructor(field: string, value: unknown, rule: string) {
    super('invalid_argument', `${field}: ${showValue(value)} ${rule}`, { field });
    this.name = 'InvalidMetricError';
    this.value = value;
  }
}

/**
 * The DB manager stayed unreachable (connection refused or reset, GOAWAY, gRPC UNAVAILABLE)
 * for the whole timeout (code `unavailable`). Points of this push may or may not be stored.
 */
export class PushTimeoutError extends ReportMetricsError {
  readonly attempts: number;
  readonly lastError: KatibError;

  constructor(address: string, timeoutSeconds: number, attempts: number, lastError: KatibError) {
    super(
      'unavailable',
      `push to the DB manager at ${address} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${timeoutSeconds} s (the timeout); last error: ${lastError.message}`,
      { cause: lastError },
    );
    this.name = 'PushTimeoutError';
    this.attempts = attempts;
    this.lastError = lastError;
  }
}

/**
 * The DB manager answered with an error that retrying cannot fix (INVALID_ARGUMENT,
 * NOT_FOUND, INTERNAL, ...); the code is the gRPC status's. Nothing of this push was stored.
 */
export class PushRejectedError extends ReportMetricsError {
  constructor(address: string, reason: KatibError) {
    super(reason.code, `the DB manager at ${address} rejected the push: ${reason.message}`, {
      field: reason.field,
      cause: reason,
    });
    this.name = 'PushRejectedError';
  }
}
