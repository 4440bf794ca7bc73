import { invalidArgument, KatibError } from '../api/errors.js';
import type { MetricLog, ObservationQuery } from '../api/observation.js';
import { type EpochMicros, parseRfc3339 } from '../api/time.js';
import type { DeleteObservationLogRequest, GetObservationLogRequest } from '../gen/api/v1/beta1/api_pb.js';
import { DEFAULT_LIMITS, MAX_METRIC_LOGS_PER_REQUEST, type RequestLimits } from './limits.js';
import { checkName, checkReportHead, checkValue, MetricLogChecker } from './report-checks.js';

/** What validateReport reads of a ReportObservationLog request (the generated message fits). */
export interface ReportRequestShape {
  trialName: string;
  observationLog?: {
    metricLogs: { timeStamp: string; metric?: { name: string; value: string } }[];
  };
}

/** A checked ReportObservationLog request, ready for the store. */
export interface ValidReport {
  trialName: string;
  logs: MetricLog[];
}

/**
 * Checks a whole ReportObservationLog request and converts it for the store, or throws a
 * KatibError naming the first bad field: trial_name, observation_log, the number of logs, then
 * each log in order (see MetricLogChecker). The Connect JSON path; gRPC requests go through
 * decodeReport, which checks the same things in the same order.
 */
export function validateReport(
  req: ReportRequestShape,
  now: () => EpochMicros,
  limits: RequestLimits = DEFAULT_LIMITS,
): ValidReport {
  const metricLogs = req.observationLog?.metricLogs ?? [];
  checkReportHead(req.trialName, req.observationLog !== undefined, metricLogs.length, limits);
  const checker = new MetricLogChecker(now, limits.maxNameLength);
  const logs = new Array<MetricLog>(metricLogs.length);
  for (let i = 0; i < metricLogs.length; i++) {
    const { metric, timeStamp } = metricLogs[i]!;
    logs[i] = checker.check(i, metric !== undefined, metric?.name ?? '', metric?.value ?? '', timeStamp);
  }
  return { trialName: req.trialName, logs };
}

/**
 * Checks logs written in-process (pull collectors, the controller) by the same rules as a
 * ReportObservationLog request, so both paths store the same things. The count is held to the
 * default limit, not a configured one: that protects the server from remote clients, while
 * in-process writers batch by their own settings.
 */
export function validateLogs(
  trialName: string,
  logs: readonly MetricLog[],
  maxNameLength = DEFAULT_LIMITS.maxNameLength,
): void {
  checkName('trial_name', trialName, maxNameLength);
  if (logs.length > MAX_METRIC_LOGS_PER_REQUEST) {
    throw new KatibError(
      'resource_exhausted',
      `logs: ${logs.length} exceed the limit of ${MAX_METRIC_LOGS_PER_REQUEST} per write`,
    );
  }
  let lastName: string | undefined;
  for (let i = 0; i < logs.length; i++) {
    const { name, value, time } = logs[i]!;
    if (name !== lastName) lastName = checkName(`logs[${i}].name`, name, maxNameLength);
    checkValue(`logs[${i}].value`, value);
    if (!Number.isSafeInteger(time))
      throw invalidArgument(`logs[${i}].time`, time, 'must be whole epoch microseconds');
  }
}

/** Checks a GetObservationLog request; empty metric name and times mean "no filter". */
export function validateGet(
  req: GetObservationLogRequest,
  maxNameLength = DEFAULT_LIMITS.maxNameLength,
): { trialName: string; query: ObservationQuery } {
  const trialName = checkName('trial_name', req.trialName, maxNameLength);
  const query: ObservationQuery = {};
  if (req.metricName !== '') query.metricName = checkName('metric_name', req.metricName, maxNameLength);
  if (req.startTime !== '') query.startTime = parseRfc3339(req.startTime, 'start_time');
  if (req.endTime !== '') query.endTime = parseRfc3339(req.endTime, 'end_time');
  if (query.startTime !== undefined && query.endTime !== undefined && query.endTime < query.startTime) {
    throw invalidArgument('end_time', req.endTime, `must not be before start_time (${req.startTime})`);
  }
  return { trialName, query };
}

export function validateDelete(
  req: DeleteObservationLogRequest,
  maxNameLength = DEFAULT_LIMITS.maxNameLength,
): string {
  return checkName('trial_name', req.trialName, maxNameLength);
}
