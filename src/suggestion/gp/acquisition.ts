import cdf from '@stdlib/stats-base-dists-normal-cdf';
import pdf from '@stdlib/stats-base-dists-normal-pdf';

/** The acquisition functions of Katib's `acq_func`, each scored so that higher is better. */
export type AcquisitionName = 'EI' | 'PI' | 'LCB';
export const ACQUISITIONS: readonly AcquisitionName[] = ['EI', 'PI', 'LCB'];

/**
 * The constants scikit-optimize (Katib's bayesianoptimization service) uses: xi = 0.01 for EI and
 * PI, kappa = 1.96 for LCB. Here they apply to normalised losses (unit variance).
 */
export const XI = 0.01;
export const KAPPA = 1.96;

/**
 * The score of a posterior N(mean, sd²) of the loss, `best` the lowest observed loss:
 * EI = E[max(best - xi - f, 0)], PI = P(f < best - xi), LCB scored as -(mean - kappa·sd).
 */
export function score(name: AcquisitionName, mean: number, sd: number, best: number): number {
  if (name === 'LCB') return -(mean - KAPPA * sd);
  const gap = best - mean - XI;
  const z = gap / sd;
  if (name === 'PI') return cdf(z, 0, 1);
  return gap * cdf(z, 0, 1) + sd * pdf(z, 0, 1);
}

/** The score and its derivative along a direction in which mean and sd change by dMean, dSd. */
export function scoreSlope(
  name: AcquisitionName,
  mean: number,
  sd: number,
  best: number,
): { value: number; dMean: number; dSd: number } {
  if (name === 'LCB') return { value: -(mean - KAPPA * sd), dMean: -1, dSd: KAPPA };
  const gap = best - mean - XI;
  const z = gap / sd;
  const Phi = cdf(z, 0, 1);
  const phi = pdf(z, 0, 1);
  if (name === 'PI') return { value: Phi, dMean: -phi / sd, dSd: (-phi * z) / sd };
  return { value: gap * Phi + sd * phi, dMean: -Phi, dSd: phi };
}
