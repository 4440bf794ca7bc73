import path from 'node:path';
import type { Command } from 'commander';

/** `--config-map FILE`, repeatable: ConfigMap YAML files a trialTemplate.configMap may name. */
export function addConfigMapOption(command: Command): Command {
  return command.option(
    '--config-map <file>',
    `a ConfigMap YAML file that spec.trialTemplate.configMap may name; repeatable [env KATIB_CONFIG_MAPS, files separated by "${path.delimiter}"] (also read: <configMapName>.yaml beside the Experiment)`,
    (file: string, previous: string[] | undefined) => [...(previous ?? []), file],
  );
}

/** The `--config-map` files if any were given, else those in KATIB_CONFIG_MAPS, else none. */
export function configMapFiles(
  given: readonly string[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (given !== undefined && given.length > 0) return [...given];
  return (env.KATIB_CONFIG_MAPS ?? '').split(path.delimiter).filter((f) => f !== '');
}
