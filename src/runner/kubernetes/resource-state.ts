import { evaluateGjson, type GjsonPath, GjsonSyntaxError, parseGjsonPath } from './gjson-path.js';

/** Katib's defaults for a batch/v1 Job (and the kinds it has no default for). */
export const JOB_SUCCESS_CONDITION = 'status.conditions.#(type=="Complete")#|#(status=="True")#';
export const JOB_FAILURE_CONDITION = 'status.conditions.#(type=="Failed")#|#(status=="True")#';

export interface ResourceConditions {
  success: GjsonPath;
  failure: GjsonPath;
}

/** Where a trial's resource is, by its success and failure conditions. */
export type ResourceState =
  | { phase: 'running' }
  | { phase: 'succeeded' | 'failed'; reason?: string; message?: string };

/**
 * Parses Katib's successCondition and failureCondition (defaults: the Job ones). Throws an
 * Error naming the field and what is wrong with it.
 */
export function compileConditions(success?: string, failure?: string): ResourceConditions {
  const parse = (field: string, text: string): GjsonPath => {
    try {
      return parseGjsonPath(text);
    } catch (err) {
      if (err instanceof GjsonSyntaxError) throw new Error(`trialTemplate.${field}: ${err.message}`);
      throw err;
    }
  };
  return {
    success: parse('successCondition', success ?? JOB_SUCCESS_CONDITION),
    failure: parse('failureCondition', failure ?? JOB_FAILURE_CONDITION),
  };
}

/**
 * Katib's rule: the failure condition is checked first, then the success condition, each over
 * the whole resource as JSON. A condition holds when its path yields something: not missing,
 * null, false or an empty list (so `#(...)#` queries that match nothing do not hold). The
 * reason and message come from the first match when it is an object (a status condition).
 */
export function resourceState(resource: unknown, conditions: ResourceConditions): ResourceState {
  for (const [phase, path] of [
    ['failed', conditions.failure],
    ['succeeded', conditions.success],
  ] as const) {
    const result = evaluateGjson(resource, path);
    if (!holds(result)) continue;
    const first = Array.isArray(result) ? result[0] : result;
    const state: ResourceState = { phase };
    if (first !== null && typeof first === 'object') {
      const { reason, message } = first as { reason?: unknown; message?: unknown };
      if (typeof reason === 'string' && reason !== '') state.reason = reason;
      if (typeof message === 'string' && message !== '') state.message = message;
    }
    return state;
  }
  return { phase: 'running' };
}

function holds(result: unknown): boolean {
  if (result === undefined || result === null || result === false) return false;
  return !(Array.isArray(result) && result.length === 0);
}
