/**
 * The shared checkpoint folder of Katib's `suggestion_trial_dir` setting (used by PBT), for local
 * trials. Katib keeps one volume per experiment laid out as `<experiment>/<trial>`; before a
 * trial starts, its PBT service fills the trial's folder with a copy of its parent's (the
 * `pbt.suggestion.katib.kubeflow.org/parent` label), and its webhook mounts that folder into the
 * trial's container at the `suggestion_trial_dir` path. So a trial only ever reads and writes
 * "its own" folder, and finds its parent's checkpoint there.
 *
 * Locally there is no mount: the folder is `<suggestion_trial_dir>/<experiment>/<trial>` on the
 * local disk (a relative setting is taken from the Experiment file's folder), the copy happens
 * here (suggesters do no I/O), and the trial learns its folder twice over: every command
 * argument that names the `suggestion_trial_dir` path names the trial's folder instead (what the
 * mount does on a cluster, so Katib's example runs unchanged), and KATIB_CHECKPOINT_DIR.
 */
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Experiment } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';
import { PBT_PARENT_LABEL } from '../suggestion/index.js';

/** Katib's setting name (its controller's SuggestionVolumeMountKey). */
export const CHECKPOINT_SETTING = 'suggestion_trial_dir';

export interface CheckpointFolder {
  /** The trial's own folder, ready: empty, or a copy of its parent's. */
  dir: string;
  /** The parent named by the trial's label whose folder was missing (the trial starts empty). */
  missingParent?: string;
  /** The command with every mention of the setting's path turned into `dir`. */
  rewrite(command: readonly string[]): string[];
}

/** Prepares the trial's folder; undefined when the experiment has no `suggestion_trial_dir`. */
export function prepareCheckpointFolder(
  experiment: Experiment,
  trial: Trial,
  sourceDir: string,
): CheckpointFolder | undefined {
  const setting = (experiment.spec.algorithm?.algorithmSettings ?? []).find(
    (s) => s.name === CHECKPOINT_SETTING,
  );
  const written = setting?.value.trim() ?? '';
  if (written === '') return undefined;
  const root = path.resolve(sourceDir, written, experiment.metadata.name);
  const dir = path.join(root, trial.name);
  // As Katib's service: a folder left from an earlier run of this name is replaced.
  rmSync(dir, { recursive: true, force: true });
  const parent = trial.labels?.[PBT_PARENT_LABEL];
  const parentDir = parent === undefined ? undefined : path.join(root, parent);
  let missingParent: string | undefined;
  if (parentDir !== undefined && existsSync(parentDir)) {
    cpSync(parentDir, dir, { recursive: true });
  } else {
    if (parent !== undefined) missingParent = parent;
    mkdirSync(dir, { recursive: true });
  }
  const bare = written.replace(/\/+$/, '');
  // The path as a whole word: not the tail of a longer path, not the head of a longer name.
  const mention = new RegExp(`(?<![\\w./-])${escapeRegExp(bare)}(?=/|$|[\\s'";:,])`, 'g');
  return {
    dir,
    ...(missingParent !== undefined ? { missingParent } : {}),
    rewrite: (command) => (bare === '' ? [...command] : command.map((arg) => arg.replace(mention, dir))),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
