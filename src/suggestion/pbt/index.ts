export { explore, PERTURB_FACTORS, perturb } from './explore.js';
export { GENERATION_LABEL, generationOf, PARENT_LABEL, pbtLabels } from './labels.js';
export { MIN_POPULATION } from './settings.js';
export { PbtSuggester, planSlots } from './suggester.js';
