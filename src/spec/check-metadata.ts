import { CLEAN_ENV_ANNOTATION, CLEAN_ENV_RULE, cleanEnvOf } from '../api/clean-env-annotation.js';
import type { Experiment } from '../api/experiment.js';
import type { IssueList } from './issues.js';
import { parseSection } from './parse-section.js';
import { metadataSchema } from './schema.js';

/** Katib's rule for experiment names (anchored at both ends, which Katib's own check forgets). */
const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_NAME_LENGTH = 40;
/** Kubernetes namespaces are DNS labels. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `metadata`: name required, Katib's name rule and length; namespace a DNS label; labels strings. */
export function checkMetadata(raw: unknown, issues: IssueList): Experiment['metadata'] | undefined {
  if (raw === undefined) {
    issues.error('metadata.name', undefined, 'is required');
    return undefined;
  }
  const m = parseSection(metadataSchema, raw, 'metadata', issues);
  if (m === undefined) return undefined;
  const before = issues.errors.length;
  if (!NAME.test(m.name)) {
    issues.error(
      'metadata.name',
      m.name,
      "must consist of lower case letters, digits or '-', start with a letter and end with a letter or digit (^[a-z]([-a-z0-9]*[a-z0-9])?$)",
    );
  }
  if (m.name.length > MAX_NAME_LENGTH) {
    issues.error(
      'metadata.name',
      m.name,
      `must be at most ${MAX_NAME_LENGTH} characters (it has ${m.name.length})`,
    );
  }
  if (m.namespace !== undefined && (!NAMESPACE.test(m.namespace) || m.namespace.length > 63)) {
    issues.error(
      'metadata.namespace',
      m.namespace,
      'must be a Kubernetes namespace name (lower case letters, digits and -, at most 63)',
    );
  }
  try {
    cleanEnvOf(m);
  } catch {
    issues.error(
      `metadata.annotations["${CLEAN_ENV_ANNOTATION}"]`,
      m.annotations?.[CLEAN_ENV_ANNOTATION],
      CLEAN_ENV_RULE,
    );
  }
  if (issues.errors.length > before) return undefined;
  const metadata: Experiment['metadata'] = { name: m.name };
  if (m.namespace !== undefined) metadata.namespace = m.namespace;
  if (m.labels !== undefined) metadata.labels = { ...m.labels };
  if (m.annotations !== undefined) metadata.annotations = { ...m.annotations };
  if (m.creationTimestamp !== undefined) metadata.creationTimestamp = m.creationTimestamp;
  return metadata;
}
