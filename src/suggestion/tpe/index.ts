export { TPE_DEFAULTS, type TpeConfig, type TpeDefaults } from './settings.js';
export { TpeSuggester } from './tpe-suggester.js';
