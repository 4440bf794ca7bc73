import type { Experiment, Setting } from '../api/experiment.js';
import { child, IssueList } from './issues.js';
import {
  type MetaReference,
  mapStrings,
  parseMetaKey,
  parseMetaReference,
  replacePlaceholders,
} from './placeholders.js';
import { asRecord } from './trial-spec.js';

export interface SubstituteOptions {
  trialName: string;
  /** Default: the experiment's namespace, else "default". */
  namespace?: string;
  /** One value per experiment parameter: `[{name, value}]` as suggestions carry them, or a name -> value map. */
  assignments: readonly Setting[] | Readonly<Record<string, string>>;
}

/**
 * The trial's resource: a copy of the experiment's trialSpec with every `${trialParameters.X}`
 * replaced by the value its reference names (an assigned parameter value, or trial metadata),
 * every `${trialSpec.KEY}` written directly replaced by that metadata, and metadata.name /
 * metadata.namespace set to the trial's, as Katib does. Values are inserted as text, so a
 * placeholder inside a string stays a string. Pure: the experiment is not modified. Fails with a
 * SpecValidationError (invalid_argument) when an assignment is missing, unknown or repeated.
 */
export function substituteTrialTemplate(
  experiment: Experiment,
  options: SubstituteOptions,
): Record<string, unknown> {
  const issues = new IssueList();
  const { trialName } = options;
  if (typeof trialName !== 'string' || trialName === '')
    issues.error('trialName', trialName, 'must be a non-empty string');
  const namespace = options.namespace ?? experiment.metadata.namespace ?? 'default';
  const template = experiment.spec.trialTemplate;
  const trialSpec = template.trialSpec;
  const { assigned, named } = readAssignments(experiment, options.assignments, issues);

  const metaValue = (meta: MetaReference): string | undefined => {
    switch (meta.key) {
      case 'Name':
        return trialName;
      case 'Namespace':
        return namespace;
      case 'Kind':
        return String(trialSpec.kind ?? '');
      case 'APIVersion':
        return String(trialSpec.apiVersion ?? '');
      default: {
        const map = asRecord(
          asRecord(trialSpec.metadata)?.[meta.key === 'Labels' ? 'labels' : 'annotations'],
        );
        const v = map?.[meta.index];
        return typeof v === 'string' ? v : undefined;
      }
    }
  };

  const values = new Map<string, string>();
  template.trialParameters.forEach((p, i) => {
    const meta = parseMetaReference(p.reference);
    const value = meta === undefined ? assigned.get(p.reference) : metaValue(meta);
    if (value !== undefined) values.set(p.name, value);
    else if (meta !== undefined) {
      issues.error(
        `spec.trialTemplate.trialParameters[${i}].reference`,
        p.reference,
        'names trial metadata that is not set',
      );
    } else if (!named.has(p.reference)) {
      issues.error(
        'assignments',
        undefined,
        `has no value for parameter ${JSON.stringify(p.reference)} (trialParameters[${i}] ${p.name} references it)`,
      );
    }
  });

  const substituted = mapStrings(trialSpec, 'trialSpec', (text, path) =>
    replacePlaceholders(text, (kind, key, placeholder) => {
      const meta = kind === 'trialSpec' ? parseMetaKey(key) : undefined;
      const value = kind === 'trialParameters' ? values.get(key) : meta && metaValue(meta);
      if (value !== undefined) return value;
      if (kind === 'trialSpec' || !template.trialParameters.some((p) => p.name === key)) {
        issues.error(path, text, `uses ${placeholder}, which names nothing this template declares`);
      }
      return placeholder;
    }),
  ) as Record<string, unknown>;
  issues.throwIfAny(`cannot build trial ${JSON.stringify(trialName)} from the trial template`);
  const metadata = { ...asRecord(substituted.metadata), name: trialName, namespace };
  return { ...substituted, metadata };
}

function readAssignments(
  experiment: Experiment,
  assignments: SubstituteOptions['assignments'],
  issues: IssueList,
): { assigned: Map<string, string>; named: Set<string> } {
  const parameters = experiment.spec.parameters.map((p) => p.name);
  // [name, value, path of the name, path of the value]
  const entries: [string, unknown, string, string][] = Array.isArray(assignments)
    ? (assignments as readonly Setting[]).map((a, i) => [
        a?.name,
        a?.value,
        `assignments[${i}].name`,
        `assignments[${i}].value`,
      ])
    : Object.entries(assignments).map(([name, value]) => [
        name,
        value,
        child('assignments', name),
        child('assignments', name),
      ]);
  const out = new Map<string, string>();
  // Names given at all, valid or not, so that a bad value is not also reported as missing.
  const named = new Set(entries.map(([name]) => name));
  for (const [name, value, namePath, valuePath] of entries) {
    if (!parameters.includes(name)) {
      issues.error(namePath, name, `is not a parameter of the experiment (${parameters.join(', ')})`);
    } else if (out.has(name)) issues.error(namePath, name, 'is assigned twice');
    else if (typeof value !== 'string') issues.error(valuePath, value, 'must be a string');
    else out.set(name, value);
  }
  return { assigned: out, named };
}
