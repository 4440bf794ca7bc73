import type { Experiment, ExperimentSpec } from '../api/experiment.js';
import { checkAlgorithm } from './check-algorithm.js';
import { checkCollector } from './check-collector.js';
import { checkCounts } from './check-counts.js';
import { checkMetadata } from './check-metadata.js';
import { checkObjective } from './check-objective.js';
import { checkParameters } from './check-parameters.js';
import { checkTrialTemplate } from './check-trial-template.js';
import type { ConfigMapData } from './config-map-template.js';
import { child, type IssueList } from './issues.js';
import { checkLocalCommand } from './local-command.js';
import { parseSection, unknownFieldRule } from './parse-section.js';
import { resumePolicySchema, SPEC_FIELDS, TOP_LEVEL_FIELDS } from './schema.js';
import { asRecord } from './trial-spec.js';

export const API_VERSION = 'kubeflow.org/v1beta1';

export interface CheckOptions {
  /** Algorithm names the suggestion registry has; unchecked when not given. */
  knownAlgorithms?: readonly string[];
  /** Early stopping algorithm names; unchecked when not given. */
  knownEarlyStopping?: readonly string[];
  /** `local`: also check that the trialSpec can run as a local command (see localCommandOf). */
  runner?: 'local' | 'kubernetes';
  /** ConfigMaps that `spec.trialTemplate.configMap` may name (local files, or read from the cluster). */
  configMaps?: readonly ConfigMapData[];
}

/**
 * Checks a decoded Experiment document against every rule at once and returns it with Katib's
 * defaults applied, or undefined when `issues` got problems. Unknown fields are problems (see
 * schema.ts); fields katib-ts reads but does not act on are warnings.
 */
export function checkExperiment(
  raw: unknown,
  options: CheckOptions,
  issues: IssueList,
): Experiment | undefined {
  const doc = asRecord(raw);
  if (doc === undefined) {
    issues.error(
      'document',
      raw,
      'must be a Katib Experiment: a mapping with apiVersion, kind, metadata and spec',
    );
    return undefined;
  }
  for (const key of Object.keys(doc)) {
    if (!(TOP_LEVEL_FIELDS as readonly string[]).includes(key))
      issues.error(child('', key), doc[key], unknownFieldRule(key, TOP_LEVEL_FIELDS));
  }
  if (doc.apiVersion !== API_VERSION) {
    const hint =
      doc.apiVersion === 'kubeflow.org/v1alpha3' ? ' (v1alpha3 experiments need converting to v1beta1)' : '';
    issues.error(
      'apiVersion',
      doc.apiVersion,
      doc.apiVersion === undefined ? `is required (${API_VERSION})` : `must be "${API_VERSION}"${hint}`,
    );
  }
  if (doc.kind !== 'Experiment')
    issues.error(
      'kind',
      doc.kind,
      doc.kind === undefined ? 'is required (Experiment)' : 'must be "Experiment"',
    );
  if (doc.status !== undefined)
    issues.warn('status', undefined, 'is ignored: an experiment is loaded without its status');
  const metadata = checkMetadata(doc.metadata, issues);
  const rawSpec = asRecord(doc.spec);
  if (rawSpec === undefined) {
    issues.error('spec', doc.spec, doc.spec === undefined ? 'is required' : 'must be a mapping');
    return undefined;
  }
  const spec = dropEmpty(rawSpec) as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (key === 'nasConfig') {
      issues.error(
        'spec.nasConfig',
        spec[key],
        'is not supported: katib-ts tunes spec.parameters (no neural architecture search)',
      );
    } else if (!(SPEC_FIELDS as readonly string[]).includes(key)) {
      issues.error(child('spec', key), spec[key], unknownFieldRule(key, SPEC_FIELDS));
    }
  }
  const parameters = checkParameters(spec.parameters, issues);
  const parameterNames = Array.isArray(spec.parameters)
    ? spec.parameters.map((p: unknown) => {
        const name = asRecord(p)?.name;
        return typeof name === 'string' ? name : undefined;
      })
    : undefined;
  const objective = checkObjective(spec.objective, issues);
  const algorithm = checkAlgorithm(spec.algorithm, 'spec.algorithm', options.knownAlgorithms, issues);
  const earlyStopping = checkAlgorithm(
    spec.earlyStopping,
    'spec.earlyStopping',
    options.knownEarlyStopping,
    issues,
  );
  const counts = checkCounts(spec, issues);
  const metricsCollectorSpec = checkCollector(spec.metricsCollectorSpec, issues, {
    localPaths: options.runner === 'local',
  });
  const resumePolicy =
    spec.resumePolicy === undefined
      ? 'Never'
      : parseSection(resumePolicySchema, spec.resumePolicy, 'spec.resumePolicy', issues);
  const before = issues.errors.length;
  const trialTemplate = checkTrialTemplate(spec.trialTemplate, parameterNames, issues, options.configMaps);
  if (options.runner === 'local' && trialTemplate !== undefined && issues.errors.length === before) {
    checkLocalCommand(
      trialTemplate.trialSpec,
      trialTemplate.primaryContainerName,
      'spec.trialTemplate.trialSpec',
      issues,
    );
  }
  if (
    issues.errors.length > 0 ||
    !metadata ||
    !parameters ||
    !objective ||
    !algorithm ||
    !counts ||
    !metricsCollectorSpec ||
    !resumePolicy ||
    !trialTemplate
  ) {
    return undefined;
  }
  const out: ExperimentSpec = {
    parameters,
    objective,
    algorithm,
    ...(earlyStopping && { earlyStopping }),
    parallelTrialCount: counts.parallelTrialCount,
    ...(counts.maxTrialCount !== undefined && { maxTrialCount: counts.maxTrialCount }),
    ...(counts.maxFailedTrialCount !== undefined && { maxFailedTrialCount: counts.maxFailedTrialCount }),
    trialTemplate,
    metricsCollectorSpec,
    resumePolicy,
  };
  return { apiVersion: API_VERSION, kind: 'Experiment', metadata, spec: out };
}

/** Kubernetes objects inside the spec, kept as written. */
const RAW_FIELDS = new Set(['trialSpec', 'customCollector', 'primaryPodLabels']);

/**
 * Drops fields set to null or "" from Katib's own objects: Katib's Go types cannot tell them
 * from absent (`omitempty`), so `resumePolicy: ""` means the default there too.
 */
function dropEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmpty);
  const record = asRecord(value);
  if (record === undefined) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === null || v === '') continue;
    Object.defineProperty(out, k, {
      value: RAW_FIELDS.has(k) ? v : dropEmpty(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
