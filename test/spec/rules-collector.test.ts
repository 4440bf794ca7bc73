import { type Doc, type RuleTable, runRuleTable } from './helpers.js';

const collector = (d: Doc, mc: unknown) => {
  d.spec.metricsCollectorSpec = mc;
};

const TABLE: RuleTable = {
  'metrics collector': [
    {
      name: 'unknown kind',
      change: (d) => collector(d, { collector: { kind: 'Stdout' } }),
      path: 'spec.metricsCollectorSpec.collector.kind',
      rule: /must be one of StdOut, File, TensorFlowEvent, PrometheusMetric, Custom, Push, None/,
      value: 'Stdout',
    },
    {
      name: 'collector without kind',
      change: (d) => collector(d, { collector: {} }),
      path: 'spec.metricsCollectorSpec.collector.kind',
      rule: /is required/,
    },
    {
      name: 'File with a relative path',
      change: (d) =>
        collector(d, { collector: { kind: 'File' }, source: { fileSystemPath: { path: 'metrics.log' } } }),
      path: 'spec.metricsCollectorSpec.source.fileSystemPath.path',
      rule: /must be an absolute path/,
      value: 'metrics.log',
    },
    {
      name: 'File of kind Directory',
      change: (d) =>
        collector(d, { collector: { kind: 'File' }, source: { fileSystemPath: { kind: 'Directory' } } }),
      path: 'spec.metricsCollectorSpec.source.fileSystemPath.kind',
      rule: /must be File for collector kind File/,
    },
    {
      name: 'File format',
      change: (d) =>
        collector(d, { collector: { kind: 'File' }, source: { fileSystemPath: { format: 'YAML' } } }),
      path: 'spec.metricsCollectorSpec.source.fileSystemPath.format',
      rule: /must be one of TEXT, JSON/,
    },
    {
      name: 'JSON with a filter',
      change: (d) =>
        collector(d, {
          collector: { kind: 'File' },
          source: { fileSystemPath: { format: 'JSON' }, filter: { metricsFormat: ['(\\w+)=(\\d+)'] } },
        }),
      path: 'spec.metricsCollectorSpec.source.filter',
      rule: /must not be set when the format is JSON/,
    },
    {
      name: 'metricsFormat that does not compile',
      change: (d) => collector(d, { source: { filter: { metricsFormat: ['([a-z]+=(\\d+)'] } } }),
      path: 'spec.metricsCollectorSpec.source.filter.metricsFormat[0]',
      rule: /is not a usable filter: Invalid regular expression/,
      value: '([a-z]+=(\\d+)',
    },
    {
      name: 'metricsFormat with one group',
      change: (d) => collector(d, { source: { filter: { metricsFormat: ['(\\d+)', '(\\w+)=(\\d+)'] } } }),
      path: 'spec.metricsCollectorSpec.source.filter.metricsFormat[0]',
      rule: /has 1 capture group, needs 2: metric name, then value/,
    },
    {
      name: 'metricsFormat with no group',
      change: (d) => collector(d, { source: { filter: { metricsFormat: ['(?:a)=(?:b)'] } } }),
      path: 'spec.metricsCollectorSpec.source.filter.metricsFormat[0]',
      rule: /has 0 capture groups/,
    },
    {
      name: 'TensorFlowEvent with a format',
      change: (d) =>
        collector(d, {
          collector: { kind: 'TensorFlowEvent' },
          source: { fileSystemPath: { format: 'TEXT' } },
        }),
      path: 'spec.metricsCollectorSpec.source.fileSystemPath.format',
      rule: /must not be set for collector kind TensorFlowEvent/,
    },
    {
      name: 'TensorFlowEvent on a file',
      change: (d) =>
        collector(d, {
          collector: { kind: 'TensorFlowEvent' },
          source: { fileSystemPath: { kind: 'File', path: '/tmp/x' } },
        }),
      path: 'spec.metricsCollectorSpec.source.fileSystemPath.kind',
      rule: /must be Directory/,
    },
    {
      name: 'Prometheus port 0',
      change: (d) =>
        collector(d, { collector: { kind: 'PrometheusMetric' }, source: { httpGet: { port: 0 } } }),
      path: 'spec.metricsCollectorSpec.source.httpGet.port',
      rule: /must be a port number/,
      value: 0,
    },
    {
      name: 'Prometheus named port',
      change: (d) =>
        collector(d, { collector: { kind: 'PrometheusMetric' }, source: { httpGet: { port: 'metrics' } } }),
      path: 'spec.metricsCollectorSpec.source.httpGet.port',
      rule: /must be a port number/,
    },
    {
      name: 'Prometheus relative path',
      change: (d) =>
        collector(d, { collector: { kind: 'PrometheusMetric' }, source: { httpGet: { path: 'metrics' } } }),
      path: 'spec.metricsCollectorSpec.source.httpGet.path',
      rule: /must start with "\/"/,
    },
    {
      name: 'Custom without a container',
      change: (d) => collector(d, { collector: { kind: 'Custom' } }),
      path: 'spec.metricsCollectorSpec.collector.customCollector',
      rule: /is required for collector kind Custom/,
    },
    {
      name: 'unknown source field',
      change: (d) => collector(d, { source: { filesystemPath: { path: '/x' } } }),
      path: 'spec.metricsCollectorSpec.source.filesystemPath',
      rule: /did you mean "fileSystemPath"/,
    },
  ],
};

runRuleTable(TABLE);
