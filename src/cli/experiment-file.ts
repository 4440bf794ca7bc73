import { KatibError } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import { experimentInput } from '../sdk/experiment-input.js';
import { CliError } from './context.js';

/**
 * The Experiment in `file` for `katib create -f`, read and checked here before any server is
 * asked: a missing or invalid file is bad usage (exit 2), as for `katib run FILE`, and it is said
 * even when the server cannot be reached.
 */
export async function experimentFromFile(file: string): Promise<Experiment> {
  try {
    return await experimentInput(file);
  } catch (err) {
    throw err instanceof KatibError ? new CliError(err.message.replace(/\n/g, '\n  '), 2) : err;
  }
}
