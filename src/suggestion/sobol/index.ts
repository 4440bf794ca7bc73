export { directionNumbers, SOBOL_MAX_DIMENSIONS, SobolSequence } from './sequence.js';
export { SobolSuggester, sobolValue } from './sobol-suggester.js';
