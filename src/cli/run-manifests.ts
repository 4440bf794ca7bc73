import { KatibError } from '../api/errors.js';
import { katibManifestsYaml, type ManifestOptions } from '../manifests/index.js';
import { type CliContext, CliError, usageError } from './context.js';
import type { Setting } from './flags.js';

/** Each option of the manifests with where it came from (`default`: the manifests' own default). */
export type ManifestsFlags = Record<keyof ManifestOptions, Setting>;

/** Prints the manifests on stdout; a bad flag or variable is exit 2 naming it. */
export async function runManifests(flags: ManifestsFlags, context: CliContext): Promise<void> {
  const settings = flags;
  const options: Record<string, string> = {};
  for (const [key, setting] of Object.entries(settings))
    if (setting.source !== 'default') options[key] = setting.value;
  if (options.dbSecret !== undefined && settings.db.source !== 'default')
    throw usageError(
      settings.db.source,
      settings.db.value,
      `cannot be combined with ${settings.dbSecret.source} (an existing database)`,
    );
  let yaml: string;
  try {
    yaml = katibManifestsYaml(options as ManifestOptions);
  } catch (err) {
    // The option's name in the message becomes the flag or variable it came from.
    const setting = err instanceof KatibError ? settings[err.field as keyof ManifestOptions] : undefined;
    if (setting)
      throw new CliError(
        `${setting.source}: ${(err as Error).message.slice(`${(err as KatibError).field}: `.length)}`,
        2,
      );
    throw err;
  }
  context.stdout.write(yaml);
}
