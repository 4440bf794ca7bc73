import { isAbsolute } from 'node:path';
import type { CollectorKind, MetricsCollectorSpec } from '../api/experiment.js';
import type { IssueList } from './issues.js';
import { compileMetricsFormat } from './metrics-format.js';
import { parseSection } from './parse-section.js';
import { type CollectorInput, collectorSchema } from './schema.js';

const PATH = 'spec.metricsCollectorSpec';
const SOURCE = `${PATH}.source`;
const FSP = `${SOURCE}.fileSystemPath`;

/** Katib's defaults for the pull collectors. */
export const DEFAULT_METRICS_FILE_PATH = '/var/log/katib/metrics.log';
export const DEFAULT_TFEVENT_DIR_PATH = '/var/log/katib/tfevent/';
export const DEFAULT_PROMETHEUS_PATH = '/metrics';
export const DEFAULT_PROMETHEUS_PORT = 8080;

type Source = NonNullable<MetricsCollectorSpec['source']>;

/**
 * `spec.metricsCollectorSpec`, Katib's rules per kind (StdOut by default; legacy `None` is read
 * as Push): File needs an absolute file path (default /var/log/katib/metrics.log) and format
 * TEXT (default) or JSON, JSON with no filter; TensorFlowEvent an absolute directory and no
 * format; PrometheusMetric a positive port and a path starting with `/`; Custom a
 * customCollector. Every metricsFormat entry must compile with at least two capture groups.
 * Fields a kind does not use are reported as warnings.
 */
export function checkCollector(
  raw: unknown,
  issues: IssueList,
  options: { localPaths?: boolean } = {},
): MetricsCollectorSpec | undefined {
  if (raw === undefined) return { collector: { kind: 'StdOut' } };
  const c = parseSection(collectorSchema, raw, PATH, issues);
  if (c === undefined) return undefined;
  const before = issues.errors.length;
  let kind: CollectorKind;
  if (c.collector?.kind === 'None') {
    issues.warn(`${PATH}.collector.kind`, 'None', 'is the old name of Push: read as Push');
    kind = 'Push';
  } else kind = c.collector?.kind ?? 'StdOut';
  const src = c.source;
  const source: Source = {};
  const ignored = (field: keyof NonNullable<CollectorInput['source']>): void => {
    if (src?.[field] !== undefined)
      issues.warn(`${SOURCE}.${field}`, src[field], `is ignored for collector kind ${kind}`);
  };
  switch (kind) {
    case 'Push':
      if (src !== undefined)
        issues.warn(SOURCE, src, 'is ignored for collector kind Push: trial code pushes its metrics');
      return issues.errors.length > before ? undefined : { collector: { kind } };
    case 'StdOut':
      ignored('fileSystemPath');
      ignored('httpGet');
      break;
    case 'File': {
      ignored('httpGet');
      const fsp = src?.fileSystemPath;
      const fileKind = fsp?.kind ?? 'File';
      if (fileKind !== 'File') issues.error(`${FSP}.kind`, fileKind, 'must be File for collector kind File');
      const path = checkAbsolute(fsp?.path ?? DEFAULT_METRICS_FILE_PATH, issues, options.localPaths);
      const format = fsp?.format ?? 'TEXT';
      if (format === 'JSON' && src?.filter !== undefined) {
        issues.error(
          `${SOURCE}.filter`,
          src.filter,
          'must not be set when the format is JSON (each line is a JSON object)',
        );
      }
      source.fileSystemPath = { path, kind: 'File', format };
      break;
    }
    case 'TensorFlowEvent': {
      ignored('httpGet');
      const fsp = src?.fileSystemPath;
      const fileKind = fsp?.kind ?? 'Directory';
      if (fileKind !== 'Directory') {
        issues.error(`${FSP}.kind`, fileKind, 'must be Directory for collector kind TensorFlowEvent');
      }
      if (fsp?.format !== undefined)
        issues.error(`${FSP}.format`, fsp.format, 'must not be set for collector kind TensorFlowEvent');
      source.fileSystemPath = {
        path: checkAbsolute(fsp?.path ?? DEFAULT_TFEVENT_DIR_PATH, issues, options.localPaths),
        kind: 'Directory',
      };
      break;
    }
    case 'PrometheusMetric': {
      ignored('fileSystemPath');
      const get = src?.httpGet;
      const port = checkPort(get?.port ?? DEFAULT_PROMETHEUS_PORT, issues);
      const path = get?.path ?? DEFAULT_PROMETHEUS_PATH;
      if (!path.startsWith('/')) issues.error(`${SOURCE}.httpGet.path`, path, 'must start with "/"');
      source.httpGet = { path, port };
      if (get?.host !== undefined) source.httpGet.host = get.host;
      if (get?.scheme !== undefined) source.httpGet.scheme = get.scheme;
      break;
    }
    case 'Custom': {
      ignored('httpGet');
      if (c.collector?.customCollector === undefined) {
        issues.error(`${PATH}.collector.customCollector`, undefined, 'is required for collector kind Custom');
      } else if (options.localPaths) {
        // Run locally, the container's command is what starts (there is no image entrypoint here).
        const command = (c.collector.customCollector as Record<string, unknown>).command;
        if (!Array.isArray(command) || command.length === 0 || !command.every((w) => typeof w === 'string')) {
          issues.error(
            `${PATH}.collector.customCollector.command`,
            command,
            "is required to run the collector locally, a list of strings (the image's entrypoint is not here)",
          );
        }
      }
      const fsp = src?.fileSystemPath;
      if (fsp !== undefined) {
        if (fsp.kind === undefined) issues.error(`${FSP}.kind`, undefined, 'is required (File or Directory)');
        const path = checkAbsolute(fsp.path ?? '', issues, options.localPaths);
        source.fileSystemPath = { path, kind: fsp.kind ?? 'File' };
        if (fsp.format !== undefined) source.fileSystemPath.format = fsp.format;
      }
      break;
    }
  }
  const formats = src?.filter?.metricsFormat ?? [];
  formats.forEach((f, i) => {
    const compiled = compileMetricsFormat(f);
    if (!compiled.ok)
      issues.error(`${SOURCE}.filter.metricsFormat[${i}]`, f, `is not a usable filter: ${compiled.error}`);
  });
  if (formats.length > 0) source.filter = { metricsFormat: [...formats] };
  if (issues.errors.length > before) return undefined;
  const spec: MetricsCollectorSpec = { collector: { kind } };
  if (kind === 'Custom' && c.collector?.customCollector !== undefined) {
    spec.collector.customCollector = structuredClone(c.collector.customCollector);
  }
  if (Object.keys(source).length > 0) spec.source = source;
  return spec;
}

/**
 * Katib mounts the metrics path into the trial's pod, so it must be absolute there. A local trial
 * (`localPaths`) may name it relative to its own working directory instead.
 */
function checkAbsolute(path: string, issues: IssueList, localPaths = false): string {
  if (localPaths && path !== '') return path;
  if (!isAbsolute(path))
    issues.error(
      `${FSP}.path`,
      path === '' ? undefined : path,
      path === '' ? 'is required' : 'must be an absolute path',
    );
  return path;
}

function checkPort(port: unknown, issues: IssueList): number {
  const n = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 65535) return n;
  issues.error(`${SOURCE}.httpGet.port`, port, 'must be a port number (1-65535)');
  return 0;
}
