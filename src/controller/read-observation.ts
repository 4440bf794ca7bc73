import type { ObservationMetric } from '../api/observation.js';
import { ObservationAccumulator, observationOf } from '../collector/index.js';
import type { ObservationStore } from '../store/observation-store.js';

/** Rows read at a time: a trial that reported millions of points is folded in bounded memory. */
const PAGE_ROWS = 10_000;

/**
 * A trial's observation of `metricNames` from its stored log (the metric strategies of
 * observationOf), read a page at a time where the store can (`scan`), else in one `get`.
 */
export async function readObservation(
  store: ObservationStore,
  trialName: string,
  metricNames: readonly string[],
): Promise<ObservationMetric[]> {
  if (store.scan === undefined) return observationOf(await store.get(trialName), metricNames);
  const acc = new ObservationAccumulator(metricNames);
  // Per metric, so that other metrics' rows (or a flood of one the experiment does not ask for) are not read.
  for (const metricName of metricNames) {
    await store.scan(trialName, { metricName }, PAGE_ROWS, (logs) => acc.add(logs));
  }
  return acc.result();
}
