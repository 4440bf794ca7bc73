import path from 'node:path';

/**
 * The one trial folder layout of every entry point (`katib run`, `katib server`, KatibClient):
 * trial T of experiment E runs in `<workRoot>/E/T`, which holds its stdout.log and stderr.log.
 * Per experiment, so that an experiment's folders are one folder to look at or remove.
 */
export function trialDir(workRoot: string, trial: { experimentName: string; name: string }): string {
  return path.resolve(workRoot, trial.experimentName, trial.name);
}
