import type { Experiment, ExperimentSpec, ExperimentStatus } from '../api/experiment.js';
import type { Trial } from '../api/trial.js';

/**
 * Experiments and their trials, in the same database as the observation logs.
 *
 * Contract, the same on every dialect (the conformance suite checks it):
 * - Every write is durable when its promise resolves, and visible to every later read.
 * - Names are unique: `createExperiment` of an existing name and `createTrial` of an existing trial
 *   name reject with KatibError `already_exists` and change nothing.
 * - A trial whose current condition is terminal (TERMINAL_TRIAL_CONDITIONS) is immutable:
 *   `updateTrial` on it rejects `failed_precondition` and changes nothing.
 * - Reads of unknown names resolve `undefined` (get) or `[]` (list); updates and deletes of unknown
 *   names reject `not_found`.
 * - `listTrials` returns trials in creation order.
 * - `deleteExperiment` removes the experiment and its trials (not their observation logs: the caller
 *   deletes those through the ObservationStore).
 * - Returned objects are copies: mutating them changes nothing stored.
 */
export interface ExperimentStore {
  createExperiment(experiment: Experiment): Promise<void>;
  getExperiment(name: string): Promise<Experiment | undefined>;
  listExperiments(): Promise<Experiment[]>;
  updateExperimentStatus(name: string, status: ExperimentStatus): Promise<void>;
  /** Replaces the spec (edits of the budget: maxTrialCount, parallelTrialCount, maxFailedTrialCount). */
  updateExperimentSpec(name: string, spec: ExperimentSpec): Promise<void>;
  deleteExperiment(name: string): Promise<void>;

  createTrial(trial: Trial): Promise<void>;
  getTrial(name: string): Promise<Trial | undefined>;
  listTrials(experimentName: string): Promise<Trial[]>;
  updateTrial(trial: Trial): Promise<void>;
}
