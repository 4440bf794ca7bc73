import { invalidArgument } from './errors.js';

/**
 * The Experiment annotation that says how its local trials' environment is made: `"true"` starts
 * them from a clean environment (PATH, HOME, locale and a few more), `"false"` from the whole
 * environment of the process that runs them (minus its KATIB_* variables); absent, the
 * `--clean-env` setting of `katib run` / `katib server` decides (default false). An annotation
 * rather than a spec field: Katib's validators reject unknown spec fields, and annotations are where
 * Kubernetes tools put settings of their own. Kubernetes trials ignore it.
 */
export const CLEAN_ENV_ANNOTATION = 'katib-ts.kubeflow.org/clean-env';

const RULE = 'must be "true" or "false"';

/** The annotation's value: true, false, or undefined when absent; throws invalid_argument otherwise. */
export function cleanEnvOf(metadata: {
  annotations?: Readonly<Record<string, string>>;
}): boolean | undefined {
  const value = metadata.annotations?.[CLEAN_ENV_ANNOTATION];
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidArgument(`metadata.annotations["${CLEAN_ENV_ANNOTATION}"]`, value, RULE);
}

/** The rule a bad value breaks, for validators that collect problems rather than throw. */
export const CLEAN_ENV_RULE = RULE;
