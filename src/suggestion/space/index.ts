export { buildSearchSpace, collectSearchSpace } from './build.js';
export { formatDouble, formatValue, toAssignments } from './format.js';
export {
  assignmentsKey,
  historyPoints,
  parseAssignments,
  parseValue,
  pointKey,
  tryParseAssignments,
} from './parse.js';
export { samplePoint, sampleValue } from './sample.js';
export { indexOfValue, pointAt, snap, valueAt } from './steps.js';
export type {
  CategoricalParam,
  DiscreteParam,
  DoubleParam,
  IntParam,
  Param,
  Point,
  SearchSpace,
  Value,
} from './types.js';
export { isLogScale, isStepped } from './types.js';
export { fromUnit, pointFromUnit, pointToUnit, toUnit } from './unit-cube.js';
