export { GridSuggester } from './grid.js';
export {
  compareObserved,
  type History,
  type ObservedTrial,
  rankObserved,
  readHistory,
  trialState,
} from './history.js';
export { type Issue, Issues } from './issues.js';
export { withOwnSeed, withStoredSeed } from './own-seed.js';
export {
  GENERATION_LABEL as PBT_GENERATION_LABEL,
  PARENT_LABEL as PBT_PARENT_LABEL,
  PbtSuggester,
} from './pbt/index.js';
export { RandomSuggester } from './random.js';
export { getSuggester, knownAlgorithms } from './registry.js';
export { checkCount, type KeySet, TriedKeysCache, triedKeys } from './request.js';
export { DEFAULT_RANDOM_STATE, Rng, type SeedParts, seedFor } from './rng.js';
export {
  collectSettings,
  nonNegativeInteger,
  numberInRange,
  oneOf,
  positiveInteger,
  RANDOM_STATE,
  readSettings,
  type SettingSpec,
  type SettingsSchema,
} from './settings.js';
export { SobolSuggester } from './sobol/index.js';
export * from './space/index.js';
export { type AskedTrial, createStudy, type Study, type StudyBest, type StudyOptions } from './study.js';
export type { Suggester, SuggesterFactory, Suggestion, SuggestRequest } from './suggester.js';
export { TpeSuggester } from './tpe/index.js';
