import type { TrialParameterSpec, TrialTemplate } from '../api/experiment.js';
import { type ConfigMapData, trialSpecFromConfigMap } from './config-map-template.js';
import type { IssueList } from './issues.js';
import { parseSection } from './parse-section.js';
import {
  isMetaReferenceForm,
  META_REFERENCE_FORMS,
  mapStrings,
  parseMetaKey,
  parseMetaReference,
  replacePlaceholders,
} from './placeholders.js';
import { type TrialTemplateInput, trialTemplateSchema } from './schema.js';
import { asRecord, isBatchJob, jobContainers } from './trial-spec.js';

const PATH = 'spec.trialTemplate';
const SPEC = `${PATH}.trialSpec`;

/** Katib's success/failure conditions by trialSpec kind (GJSON paths over the resource's status). */
const JOB_SUCCESS = 'status.conditions.#(type=="Complete")#|#(status=="True")#';
const JOB_FAILURE = 'status.conditions.#(type=="Failed")#|#(status=="True")#';
const KUBEFLOW_SUCCESS = 'status.conditions.#(type=="Succeeded")#|#(status=="True")#';
const KUBEFLOW_KINDS = ['TFJob', 'PyTorchJob', 'XGBoostJob', 'MPIJob'];

/**
 * `spec.trialTemplate`, Katib's rules: trialSpec is an object with apiVersion and kind and no
 * metadata.name/namespace; trialParameters have unique names (no braces) and unique references,
 * each reference an experiment parameter or trial metadata; every declared trial parameter is
 * used in the trialSpec and every `${trialParameters.X}` used is declared. Beyond Katib: every
 * experiment parameter must reach the trial (Katib fails each trial otherwise), a Labels[key] /
 * Annotations[key] reference must exist in the trialSpec, and primaryContainerName must name a
 * container of a batch/v1 Job; it defaults to the Job's only container.
 *
 * `spec.trialTemplate.configMap` is read from `configMaps` (config-map-template.ts) and the
 * template it holds becomes the trialSpec, checked by the same rules (errors about it still read
 * `spec.trialTemplate.trialSpec...`).
 *
 * `parameterNames[i]` is the name of `spec.parameters[i]` (undefined where it has none);
 * the whole list is undefined when spec.parameters is unusable.
 */
export function checkTrialTemplate(
  raw: unknown,
  parameterNames: readonly (string | undefined)[] | undefined,
  issues: IssueList,
  configMaps?: readonly ConfigMapData[],
): TrialTemplate | undefined {
  if (raw === undefined) {
    issues.error(PATH, undefined, 'is required');
    return undefined;
  }
  const t = parseSection(trialTemplateSchema, raw, PATH, issues);
  if (t === undefined) return undefined;
  const before = issues.errors.length;
  let trialSpec = t.trialSpec;
  if (t.configMap !== undefined) {
    if (trialSpec !== undefined) {
      issues.error(`${PATH}.configMap`, t.configMap, `must not be set together with ${SPEC}: give only one`);
      return undefined;
    }
    trialSpec = trialSpecFromConfigMap(t.configMap, configMaps, issues);
    if (trialSpec === undefined) return undefined;
  }
  if (trialSpec === undefined) {
    issues.error(
      SPEC,
      undefined,
      `is required (a Kubernetes resource, usually a batch/v1 Job), or ${PATH}.configMap naming one`,
    );
    return undefined;
  }
  for (const key of ['apiVersion', 'kind'] as const) {
    const v = trialSpec[key];
    if (typeof v !== 'string' || v === '')
      issues.error(`${SPEC}.${key}`, v, v === undefined ? 'is required' : 'must be a non-empty string');
  }
  const metadata = asRecord(trialSpec.metadata);
  for (const key of ['name', 'namespace'] as const) {
    if (metadata?.[key] !== undefined) {
      issues.error(
        `${SPEC}.metadata.${key}`,
        metadata[key],
        "must be omitted: each trial's resource is named after the trial",
      );
    }
  }
  const trialParameters = checkTrialParameters(t, trialSpec, metadata, parameterNames, issues);
  const template: TrialTemplate = { trialParameters, trialSpec: structuredClone(trialSpec) };
  checkKind(t, trialSpec, template, issues);
  if (t.retain !== undefined) template.retain = t.retain;
  if (t.primaryPodLabels !== undefined) template.primaryPodLabels = { ...t.primaryPodLabels };
  return issues.errors.length > before ? undefined : template;
}

function checkTrialParameters(
  t: TrialTemplateInput,
  trialSpec: Record<string, unknown>,
  metadata: Record<string, unknown> | undefined,
  parameterNames: readonly (string | undefined)[] | undefined,
  issues: IssueList,
): TrialParameterSpec[] {
  const declared = t.trialParameters ?? [];
  const names = new Map<string, number>();
  const references = new Map<string, number>();
  declared.forEach((p, i) => {
    const at = `${PATH}.trialParameters[${i}]`;
    if (/[{}]/.test(p.name)) issues.error(`${at}.name`, p.name, "must not contain '{' or '}'");
    const firstName = names.get(p.name);
    if (firstName !== undefined)
      issues.error(`${at}.name`, p.name, `repeats ${PATH}.trialParameters[${firstName}].name`);
    else names.set(p.name, i);
    const firstRef = references.get(p.reference);
    if (firstRef !== undefined) {
      issues.error(`${at}.reference`, p.reference, `repeats ${PATH}.trialParameters[${firstRef}].reference`);
    } else references.set(p.reference, i);
    if (isMetaReferenceForm(p.reference)) {
      const meta = parseMetaReference(p.reference);
      if (meta === undefined)
        issues.error(
          `${at}.reference`,
          p.reference,
          `is not trial metadata Katib knows (${META_REFERENCE_FORMS})`,
        );
      else if ('index' in meta) {
        const map = asRecord(metadata?.[meta.key === 'Labels' ? 'labels' : 'annotations']);
        if (map?.[meta.index] === undefined) {
          const field = meta.key === 'Labels' ? 'labels' : 'annotations';
          issues.error(
            `${at}.reference`,
            p.reference,
            `names ${SPEC}.metadata.${field}[${JSON.stringify(meta.index)}], which is not set`,
          );
        }
      }
    } else if (parameterNames !== undefined && !parameterNames.includes(p.reference)) {
      issues.error(
        `${at}.reference`,
        p.reference,
        `is not a parameter in spec.parameters (${parameterNames.filter((n) => n !== undefined).join(', ')}) nor trial metadata (${META_REFERENCE_FORMS})`,
      );
    }
  });
  const used = new Set<string>();
  mapStrings(trialSpec, SPEC, (text, path) =>
    replacePlaceholders(text, (kind, key, placeholder) => {
      if (kind === 'trialParameters') {
        used.add(key);
        if (!names.has(key)) {
          const known = [...names.keys()];
          issues.error(
            path,
            text,
            `uses ${placeholder}, which is not declared in ${PATH}.trialParameters (declared: ${known.length > 0 ? known.join(', ') : 'none'})`,
          );
        }
      } else if (parseMetaKey(key) === undefined) {
        issues.error(
          path,
          text,
          `uses ${placeholder}, which is not trial metadata Katib knows (${META_REFERENCE_FORMS})`,
        );
      } else {
        issues.warn(
          path,
          text,
          `uses ${placeholder} directly: katib-ts fills it, Katib only through a trialParameters reference`,
        );
      }
      return placeholder;
    }),
  );
  declared.forEach((p, i) => {
    if (!used.has(p.name) && !/[{}]/.test(p.name)) {
      issues.error(
        `${PATH}.trialParameters[${i}].name`,
        p.name,
        `is not used in ${SPEC} (write \${trialParameters.${p.name}} where the value goes)`,
      );
    }
  });
  parameterNames?.forEach((name, i) => {
    if (name !== undefined && !references.has(name)) {
      issues.error(
        `spec.parameters[${i}].name`,
        name,
        `is not the reference of any ${PATH}.trialParameters entry, so its value would never reach the trial`,
      );
    }
  });
  return declared.map((p) => {
    const out: TrialParameterSpec = { name: p.name, reference: p.reference };
    if (p.description !== undefined) out.description = p.description;
    return out;
  });
}

/** primaryContainerName and success/failure conditions, which depend on the trialSpec's kind. */
function checkKind(
  t: TrialTemplateInput,
  trialSpec: Record<string, unknown>,
  template: TrialTemplate,
  issues: IssueList,
): void {
  const kind = trialSpec.kind;
  if (t.primaryContainerName !== undefined) template.primaryContainerName = t.primaryContainerName;
  if (isBatchJob(trialSpec)) {
    const containers = jobContainers(trialSpec);
    if (containers === undefined || containers.length === 0) {
      issues.error(`${SPEC}.spec.template.spec.containers`, containers, 'must list at least one container');
    } else {
      const names = containers
        .map((c) => asRecord(c)?.name)
        .filter((n): n is string => typeof n === 'string');
      if (t.primaryContainerName !== undefined && !names.includes(t.primaryContainerName)) {
        issues.error(
          `${PATH}.primaryContainerName`,
          t.primaryContainerName,
          `does not name a container of the Job (containers: ${names.join(', ')})`,
        );
      } else if (t.primaryContainerName === undefined && containers.length > 1) {
        issues.error(
          `${PATH}.primaryContainerName`,
          undefined,
          `is required: the Job has several containers (${names.join(', ')})`,
        );
      } else if (t.primaryContainerName === undefined && names.length === 1) {
        template.primaryContainerName = names[0]!;
      }
    }
    template.successCondition = t.successCondition ?? JOB_SUCCESS;
    template.failureCondition = t.failureCondition ?? JOB_FAILURE;
    return;
  }
  if (typeof kind !== 'string') return;
  if (t.primaryContainerName === undefined) {
    issues.error(
      `${PATH}.primaryContainerName`,
      undefined,
      `is required for a trialSpec of kind ${kind} (the container that runs the training code)`,
    );
  }
  const known = KUBEFLOW_KINDS.includes(kind)
    ? KUBEFLOW_SUCCESS
    : kind === 'TrainJob'
      ? JOB_SUCCESS
      : undefined;
  if (known !== undefined) {
    template.successCondition = t.successCondition ?? known;
    template.failureCondition = t.failureCondition ?? JOB_FAILURE;
    return;
  }
  for (const key of ['successCondition', 'failureCondition'] as const) {
    if (t[key] === undefined)
      issues.error(`${PATH}.${key}`, undefined, `is required for a trialSpec of kind ${kind}`);
    else template[key] = t[key];
  }
}
