import type { MetricLog } from '../api/observation.js';
import type { EarlyStopper, EarlyStoppingRequest, LogQuery } from './early-stopper.js';
import type { EarlyStoppingRule } from './rules.js';

/** Reads logs at most this many at a time, so a long history does not open hundreds of reads at once. */
const READS_IN_FLIGHT = 8;

/**
 * The rules of `stopper` for an experiment's history: asks it which logs it needs, reads them
 * with `readLogs` (the caller's store or DB manager client: this module does no I/O of its own),
 * then computes the rules. Rejects with whatever `readLogs` rejects with.
 */
export async function computeRules(
  stopper: EarlyStopper,
  request: Omit<EarlyStoppingRequest, 'logs'>,
  readLogs: (query: LogQuery) => Promise<readonly MetricLog[]>,
): Promise<EarlyStoppingRule[]> {
  const queries = stopper.logQueries(request);
  const logs = new Map<string, readonly MetricLog[]>();
  for (let at = 0; at < queries.length; at += READS_IN_FLIGHT) {
    const batch = queries.slice(at, at + READS_IN_FLIGHT);
    const read = await Promise.all(batch.map(readLogs));
    batch.forEach((query, k) => {
      const earlier = logs.get(query.trialName);
      // Several metrics of one trial: one log again, in time order (sort is stable for ties).
      logs.set(
        query.trialName,
        earlier === undefined ? read[k]! : [...earlier, ...read[k]!].sort((a, b) => a.time - b.time),
      );
    });
  }
  return stopper.rules({ ...request, logs });
}
