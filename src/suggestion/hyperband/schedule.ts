/**
 * Hyperband's arithmetic (Li et al., as Katib's hyperband service counts): with maximum resource
 * r_l and reduction factor eta, s_max = floor(log_eta(r_l)); bracket s (s_max down to 0) starts
 * n_s = ceil((s_max + 1) / (s + 1) * eta^s) configurations at resource r_l * eta^-s, and rung i of
 * the bracket keeps ceil(n_s / eta^i) of them (the best of rung i-1) at resource r_l * eta^(i-s).
 * Pure functions of (r_l, eta); no state.
 */
export interface Schedule {
  /** The maximum resource `r_l` (>= 1). */
  rl: number;
  /** The reduction factor, a whole number >= 2. */
  eta: number;
  /** floor(log_eta(r_l)): brackets are s_max..0, bracket s has rungs 0..s. */
  sMax: number;
}

/** The schedule of r_l and eta; s_max computed without the float noise of log(r_l)/log(eta). */
export function scheduleOf(rl: number, eta: number): Schedule {
  let sMax = 0;
  // r_l = 81, eta = 3 must give 4 even when 3^4 comes out a hair above 81 * (1 - 2^-52).
  while (eta ** (sMax + 1) <= rl * (1 + 1e-12)) sMax++;
  return { rl, eta, sMax };
}

/** n_s: how many configurations bracket s starts with (its rung 0). */
export function bracketSize(schedule: Schedule, s: number): number {
  const { eta, sMax } = schedule;
  return Math.ceil(((sMax + 1) * eta ** s) / (s + 1));
}

/** How many configurations rung i of bracket s runs: ceil(n_s / eta^i). */
export function rungSize(schedule: Schedule, s: number, i: number): number {
  return Math.ceil(bracketSize(schedule, s) / schedule.eta ** i);
}

/**
 * The resource rung i of bracket s runs at: r_l * eta^(i-s), cut to a whole number for an int
 * resource (Katib's `int(r)`; the epsilon keeps 81 / 3^4 * 3^4 from falling to 80).
 */
export function resourceAt(schedule: Schedule, s: number, i: number, integer: boolean): number {
  const exact = schedule.rl / schedule.eta ** (s - i);
  return integer ? Math.floor(exact * (1 + 1e-12) + 1e-9) : exact;
}

/** Every resource value the schedule uses, ascending (r_l / eta^k for k = s_max..0). */
export function resourceValues(schedule: Schedule, integer: boolean): number[] {
  const values: number[] = [];
  for (let k = schedule.sMax; k >= 0; k--) values.push(resourceAt(schedule, k, 0, integer));
  return values;
}

/** Trials the whole schedule creates, every bracket and rung counted. */
export function totalTrials(schedule: Schedule): number {
  let total = 0;
  for (let s = schedule.sMax; s >= 0; s--) for (let i = 0; i <= s; i++) total += rungSize(schedule, s, i);
  return total;
}

/**
 * Katib's parallelTrialCount rule for hyperband: at least eta^s_max, the first rung of the
 * largest bracket (Katib's service hands a rung out in one request and needs it all running).
 */
export function minParallelTrials(schedule: Schedule): number {
  return Math.ceil(schedule.eta ** schedule.sMax);
}
