export { nodeShimSource } from './javascript/node-shim.js';
export { compileSpanFilters, findMetricSpans, type MetricSpan, stripSpans } from './metric-spans.js';
export type { SourceLanguage } from './print-site.js';
export {
  type Embedding,
  metricRules,
  pythonInjectDir,
  type RewriteOptions,
  type RewriteReport,
  type RewriteResult,
  type RewrittenPrint,
  rewriteSource,
  type UnrewrittenPrint,
} from './rewrite.js';
