export { type CommandKind, classifyCommand } from './command.js';
export { nodeShimSource } from './javascript/node-shim.js';
export { injectLocalTrial, type LocalTrialInjection, type LocalTrialInput } from './local-trial.js';
export { compileSpanFilters, findMetricSpans, type MetricSpan, stripSpans } from './metric-spans.js';
export type { SourceLanguage } from './print-site.js';
export { formatReport } from './report-text.js';
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
export { rewriteShellScript, type ShellRewrite } from './shell-heredoc.js';
export { type AdmissionAnswer, answerAdmissionReview } from './webhook/admission.js';
export {
  ANNOTATIONS,
  mutateTrialPod,
  type PatchOp,
  type PodMutation,
  TRIAL_LABEL,
  type WebhookOptions,
} from './webhook/pod-patch.js';
export { type RunningWebhook, startWebhookServer, type WebhookServerOptions } from './webhook/server.js';
export { shimsConfigMap } from './webhook/shims.js';
