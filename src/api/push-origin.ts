import { invalidArgument } from './errors.js';

/**
 * The request metadata (gRPC) / HTTP header (Connect JSON) saying where a push's points come from:
 * `automatic` for what katib-ts captured from a trial's output (injected push code, the runtime
 * shims), `explicit` (the default, header absent) for what the trial's own code reported
 * (reportMetrics, katib_push, Katib's report_metrics, curl). The DB manager stores each point once
 * by it: see src/dbmanager/once-only.ts and docs/injection.md "Explicit and automatic pushes".
 */
export const PUSH_ORIGIN_HEADER = 'katib-push-origin';

export type PushOrigin = 'automatic' | 'explicit';

const RULE = 'must be automatic or explicit (a push origin)';

/** The origin from the header value(s): explicit when absent; throws invalid_argument naming the header otherwise. */
export function readPushOrigin(value: string | readonly string[] | null | undefined): PushOrigin {
  if (value === undefined || value === null) return 'explicit';
  const text = typeof value === 'string' ? value : value.join(', ');
  const v = text.trim().toLowerCase();
  if (v === 'automatic' || v === 'explicit') return v;
  throw invalidArgument(PUSH_ORIGIN_HEADER, text, RULE);
}
