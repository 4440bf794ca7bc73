export { BRACKET_LABEL, RUNG_LABEL } from './labels.js';
export {
  bracketSize,
  minParallelTrials,
  resourceAt,
  rungSize,
  type Schedule,
  scheduleOf,
  totalTrials,
} from './schedule.js';
export { DEFAULT_ETA } from './settings.js';
export { HyperbandSuggester } from './suggester.js';
