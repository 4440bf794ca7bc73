export * from './api/errors.js';
export type * from './api/experiment.js';
export type * from './api/observation.js';
export type * from './api/trial.js';
export * from './sdk/index.js';
export * from './sdk/report/index.js';
