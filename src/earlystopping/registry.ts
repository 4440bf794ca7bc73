import { KatibError } from '../api/errors.js';
import type { EarlyStopper, EarlyStopperFactory } from './early-stopper.js';
import { MedianStop } from './medianstop.js';

/** Every early stopping algorithm by its Katib `spec.earlyStopping.algorithmName`. */
const FACTORIES: Readonly<Record<string, EarlyStopperFactory>> = Object.freeze({
  medianstop: () => new MedianStop(),
});

/** The names getEarlyStopper accepts, sorted. */
export function knownEarlyStoppers(): string[] {
  return Object.keys(FACTORIES).sort();
}

/** The early stopper named `name`; unknown names are `invalid_argument` listing the known ones. */
export function getEarlyStopper(name: string): EarlyStopper {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (factory === undefined) {
    throw new KatibError(
      'invalid_argument',
      `spec.earlyStopping.algorithmName: ${JSON.stringify(name)} is not a known early stopping algorithm (known: ${knownEarlyStoppers().join(', ')})`,
      { field: 'spec.earlyStopping.algorithmName' },
    );
  }
  return factory();
}
