export { type Replay, type ReplayEntry, type Run, replay } from './replay.js';
export {
  ALGORITHM as CMAES,
  type CmaesSettings,
  collectCmaesSettings,
  DEFAULT_SIGMA,
  type RestartStrategy,
} from './settings.js';
export { defaultPopulation, Strategy } from './strategy.js';
export { CmaesSuggester, replayRequest } from './suggester.js';
