/**
 * Katib trial Pods through a Kubernetes mutating admission webhook: an `admission.k8s.io/v1`
 * AdmissionReview in, the AdmissionReview answer out. Pure; never throws.
 */
import { mutateTrialPod, type WebhookOptions } from './pod-patch.js';

export interface AdmissionAnswer {
  /** HTTP status: 200 with an AdmissionReview, or 400 when the request has no uid to answer. */
  status: number;
  body: unknown;
}

const API_VERSION = 'admission.k8s.io/v1';
type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Answers one AdmissionReview: a Push trial Pod gets a JSONPatch, any other object or operation
 * is allowed untouched, a malformed Pod is refused (allowed: false, code 400) with the field and
 * the rule, and a review that cannot be answered at all (not an AdmissionReview, no uid) gets
 * HTTP 400 with an error message.
 */
export function answerAdmissionReview(review: unknown, options: WebhookOptions): AdmissionAnswer {
  if (!isRecord(review)) return refuse('the body must be a JSON AdmissionReview object');
  if (review.apiVersion !== API_VERSION || review.kind !== 'AdmissionReview')
    return refuse(
      `apiVersion/kind: ${JSON.stringify(review.apiVersion)}/${JSON.stringify(review.kind)} is not ${API_VERSION} AdmissionReview`,
    );
  const request = review.request;
  if (!isRecord(request)) return refuse('request: must be an object');
  const uid = request.uid;
  if (typeof uid !== 'string' || uid === '') return refuse('request.uid: must be a non-empty string');
  const answer = (response: Json): AdmissionAnswer => ({
    status: 200,
    body: { apiVersion: API_VERSION, kind: 'AdmissionReview', response: { uid, ...response } },
  });
  const kind = isRecord(request.kind) ? request.kind : {};
  const operation = request.operation;
  if (kind.kind !== 'Pod' || (operation !== undefined && operation !== 'CREATE'))
    return answer({ allowed: true });
  try {
    const mutation = mutateTrialPod(request.object, options);
    if (!mutation) return answer({ allowed: true });
    return answer({
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(mutation.patch)).toString('base64'),
      ...(mutation.warnings.length > 0 ? { warnings: mutation.warnings.map((w) => `katib-ts: ${w}`) } : {}),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return answer({ allowed: false, status: { code: 400, message: `katib-ts injection: ${message}` } });
  }
}

function refuse(message: string): AdmissionAnswer {
  return { status: 400, body: { error: `katib-ts webhook: ${message}` } };
}
