import { Rng, seedFor } from '../rng.js';
import { ALGORITHM, type CmaesSettings } from './settings.js';
import { defaultPopulation, Strategy } from './strategy.js';
import { FunctionHistory, historyLength, stopReason } from './termination.js';

/** One trial as the replay sees it: its numeric coordinates in the unit cube and its outcome. */
export interface ReplayEntry {
  x: Float64Array;
  /** The loss; NaN while the trial runs or when it ended without a value. */
  loss: number;
  pending: boolean;
}

/** One CMA-ES run of the replay (the first, then one per restart). */
export interface Run {
  /** Position in the history of the run's first trial. */
  start: number;
  lambda: number;
  sigma: number;
  regime: 'default' | 'large' | 'small';
  /** Why the run ended (a termination criterion), undefined for the current run. */
  stopped?: string;
}

export interface Replay {
  /** The distribution the next suggestions are drawn from. */
  strategy: Strategy;
  runs: Run[];
  /** Trials already in the generation being filled (finished or not). */
  filled: number;
}

/** Restarted populations never grow beyond this. */
const MAX_POPULATION = 1 << 14;

/**
 * Rebuilds the CMA-ES state from the history: the trials in creation order are cut into
 * generations of the current population size λ; each generation whose λ trials have all finished
 * updates the distribution (a trial that ended without a value ranks last), and the first
 * generation with a running trial, or with fewer than λ trials, is the one being filled. After
 * each update the termination criteria are checked; with a restart strategy a stopped run is
 * followed by a new one from a random mean with sigma0:
 * - ipop: the population doubles at every restart (Auger & Hansen, 2005);
 * - bipop (Hansen, 2009): the large regime doubles as ipop does; the small regime draws
 *   U ~ U(0,1) and uses λ = ⌊λ_def (λ_large / (2 λ_def))^{U²}⌋ and σ = σ0·10^{-2U}; each restart
 *   takes the regime that has used fewer evaluations so far (the first run counts as large).
 * The restarts' random draws are seeded by random_state and the restart number alone, so the
 * replay of a history is the same whatever the call that replays it.
 */
export function replay(entries: readonly ReplayEntry[], n: number, settings: CmaesSettings): Replay {
  const lambdaDefault = defaultPopulation(n);
  let strategy = new Strategy(n, lambdaDefault, new Float64Array(n).fill(0.5), settings.sigma);
  let fun = new FunctionHistory(historyLength(n, lambdaDefault));
  const runs: Run[] = [{ start: 0, lambda: lambdaDefault, sigma: settings.sigma, regime: 'default' }];
  let largeRestarts = 0;
  let budget = { large: 0, small: 0 };
  let regime: 'large' | 'small' = 'large';
  let position = 0;

  for (;;) {
    const lambda = strategy.lambda;
    const generation = entries.slice(position, position + lambda);
    if (generation.length < lambda || generation.some((e) => e.pending)) break;
    const ranked = generation
      .map((e, i) => ({ x: e.x, loss: Number.isNaN(e.loss) ? Number.POSITIVE_INFINITY : e.loss, i }))
      .sort((a, b) => a.loss - b.loss || a.i - b.i);
    strategy.tell(ranked.map((r) => r.x));
    fun.add(ranked[0]!.loss, ranked[ranked.length - 1]!.loss);
    budget = { ...budget, [regime]: budget[regime] + lambda };
    position += lambda;

    const reason = stopReason(strategy, fun);
    if (reason === undefined || settings.restartStrategy === 'none') continue;
    runs[runs.length - 1]!.stopped = reason;
    const restart = runs.length; // 1 for the first restart
    const rng = new Rng(
      seedFor({ algorithm: ALGORITHM, randomState: settings.randomState, historyLength: 0, stream: restart }),
    );
    const mean = Float64Array.from({ length: n }, () => rng.float());
    let next: Run;
    if (settings.restartStrategy === 'bipop' && budget.small < budget.large) {
      regime = 'small';
      const u = rng.float();
      const large = lambdaDefault * 2 ** largeRestarts;
      const lambdaSmall = Math.floor(lambdaDefault * (large / (2 * lambdaDefault)) ** (u * u));
      next = {
        start: position,
        lambda: Math.max(4, lambdaSmall),
        sigma: settings.sigma * 10 ** (-2 * u),
        regime,
      };
    } else {
      regime = 'large';
      largeRestarts++;
      next = {
        start: position,
        lambda: Math.min(MAX_POPULATION, lambdaDefault * 2 ** largeRestarts),
        sigma: settings.sigma,
        regime,
      };
    }
    runs.push(next);
    strategy = new Strategy(n, next.lambda, mean, next.sigma);
    fun = new FunctionHistory(historyLength(n, next.lambda));
  }
  return { strategy, runs, filled: entries.length - position };
}
