export { ACQUISITIONS, type AcquisitionName } from './acquisition.js';
export { fitKernel } from './fit.js';
export { GaussianProcess, type Prediction } from './gaussian-process.js';
export type { InputLayout, KernelParams } from './kernel.js';
export { BayesianOptimizationSuggester } from './suggester.js';
