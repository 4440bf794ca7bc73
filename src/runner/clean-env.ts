/**
 * The parent's variables a trial inherits: enough to find programs and behave like a login
 * (PATH, HOME, USER, LOGNAME, SHELL), speak the same locale (LANG, LANGUAGE, LC_*), keep the
 * time zone (TZ) and the temporary directory (TMPDIR). Nothing else leaks from the runner's
 * process (no credentials, no NODE_OPTIONS); the trial spec's own env is laid over this base.
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

/** The environment a trial starts with: the inherited part of `parent`, then `own` over it. */
export function trialEnv(
  parent: NodeJS.ProcessEnv,
  own: Readonly<Record<string, string>>,
  inherit: readonly string[] = INHERITED_ENV,
): Record<string, string> {
  const env: Record<string, string> = {};
  const names = new Set(inherit);
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && (names.has(name) || (inherit === INHERITED_ENV && name.startsWith('LC_'))))
      env[name] = value;
  }
  return Object.assign(env, own);
}
