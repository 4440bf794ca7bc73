/**
 * The environment a local trial starts from. By default the trial inherits its parent's whole
 * environment (a conda or virtualenv setup, PYTHONPATH, CUDA_VISIBLE_DEVICES, LD_LIBRARY_PATH,
 * HF_HOME, cloud credentials: what Optuna, Ray Tune and NNI pass through too), except the parent's
 * `KATIB_*` variables: those configure katib-ts itself or belong to an outer trial, and a trial gets
 * only the ones katib-ts sets for it. With `clean`, it inherits only INHERITED_ENV (and LC_*), for
 * runs that must not depend on the shell they were started from. The trial spec's own env is laid
 * over either base.
 */

/**
 * The parent's variables a trial inherits in clean mode: enough to find programs and behave like
 * a login (PATH, HOME, USER, LOGNAME, SHELL), speak the same locale (LANG, LANGUAGE, LC_*), keep the
 * time zone (TZ) and the temporary directory (TMPDIR). Nothing else leaks from the runner's process.
 */
export const INHERITED_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
];

/** How a trial's environment is based on its parent's. */
export interface EnvBase {
  /** Start from INHERITED_ENV only (default false: the whole parent environment, minus KATIB_*). */
  clean?: boolean;
  /** In clean mode, the names kept instead of INHERITED_ENV (then without the LC_* rule). */
  inherit?: readonly string[];
}

/** The variables of `parent` that a trial starts with (see the module comment). */
export function inheritedEnv(
  parent: Readonly<Record<string, string | undefined>>,
  base: EnvBase = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  if (!base.clean) {
    for (const [name, value] of Object.entries(parent))
      if (value !== undefined && !name.startsWith('KATIB_')) env[name] = value;
    return env;
  }
  const inherit = base.inherit ?? INHERITED_ENV;
  const names = new Set(inherit);
  const locale = inherit === INHERITED_ENV;
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && (names.has(name) || (locale && name.startsWith('LC_')))) env[name] = value;
  }
  return env;
}

/** The environment a trial starts with: the inherited part of `parent`, then `own` over it. */
export function trialEnv(
  parent: Readonly<Record<string, string | undefined>>,
  own: Readonly<Record<string, string>>,
  base: EnvBase = {},
): Record<string, string> {
  return Object.assign(inheritedEnv(parent, base), own);
}

/** A path list (PYTHONPATH) with `dirs` first, then the entries it had; empty parts dropped. */
export function prependPaths(dirs: readonly string[], list: string | undefined, delimiter = ':'): string {
  return [...dirs, ...(list ? [list] : [])].filter(Boolean).join(delimiter);
}

/** NODE_OPTIONS with `option` after the options it had (the user's come first and are kept). */
export function appendNodeOption(options: string | undefined, option: string): string {
  const kept = options?.trim();
  return kept ? `${kept} ${option}` : option;
}
