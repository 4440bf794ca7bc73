import { parseAllDocuments, parseDocument } from 'yaml';
import type { IssueList } from './issues.js';
import { asRecord } from './trial-spec.js';

/** A ConfigMap as katib-ts reads it: where it lives and its string data. */
export interface ConfigMapData {
  name: string;
  /** Undefined for a local ConfigMap file without metadata.namespace: it matches any namespace. */
  namespace?: string;
  data: Record<string, string>;
  /** Where it came from (a file path, or `cluster`), named in error messages. */
  source: string;
}

const PATH = 'spec.trialTemplate.configMap';

/**
 * The trialSpec that `spec.trialTemplate.configMap` names, as Katib's controller reads it: the
 * ConfigMap `configMapName` in `configMapNamespace`, its data key `templatePath` holding the
 * template as YAML (or JSON) text. Katib's rules: all three fields non-empty, and not together
 * with an inline trialSpec (checked by the caller). Each failure becomes an issue naming the
 * field, the value and the rule; undefined then.
 */
export function trialSpecFromConfigMap(
  ref: unknown,
  configMaps: readonly ConfigMapData[] | undefined,
  issues: IssueList,
): Record<string, unknown> | undefined {
  const r = asRecord(ref);
  if (r === undefined) {
    issues.error(PATH, ref, 'must be an object {configMapName, configMapNamespace, templatePath}');
    return undefined;
  }
  const fields = ['configMapName', 'configMapNamespace', 'templatePath'] as const;
  let bad = false;
  for (const key of Object.keys(r)) {
    if (!(fields as readonly string[]).includes(key)) {
      issues.error(`${PATH}.${key}`, r[key], `is not a field of ${PATH} (${fields.join(', ')})`);
      bad = true;
    }
  }
  for (const key of fields) {
    const v = r[key];
    if (typeof v !== 'string' || v === '') {
      issues.error(`${PATH}.${key}`, v, v === undefined ? 'is required' : 'must be a non-empty string');
      bad = true;
    }
  }
  if (bad) return undefined;
  const name = r.configMapName as string;
  const namespace = r.configMapNamespace as string;
  const templatePath = r.templatePath as string;
  if (configMaps === undefined) {
    issues.error(
      `${PATH}.configMapName`,
      name,
      'cannot be read here: no ConfigMaps were given (katib run --config-map FILE, or FILE beside the Experiment)',
    );
    return undefined;
  }
  const found = configMaps.find((c) => c.name === name && (c.namespace ?? namespace) === namespace);
  if (found === undefined) {
    const known = configMaps.map((c) => (c.namespace ? `${c.namespace}/${c.name}` : c.name));
    issues.error(
      `${PATH}.configMapName`,
      name,
      `names no ConfigMap in namespace ${namespace} (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
    return undefined;
  }
  const text = found.data[templatePath];
  if (text === undefined) {
    const keys = Object.keys(found.data);
    issues.error(
      `${PATH}.templatePath`,
      templatePath,
      `is not a data key of ConfigMap ${namespace}/${name} from ${found.source} (keys: ${keys.length > 0 ? keys.join(', ') : 'none'})`,
    );
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const problem = doc.errors[0];
  let value: unknown;
  if (problem === undefined) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      value = err;
    }
  }
  const spec = asRecord(value);
  if (problem !== undefined || spec === undefined) {
    const why = problem
      ? problem.message
      : value instanceof Error
        ? value.message
        : 'it is not a YAML mapping';
    issues.error(
      `${PATH}.templatePath`,
      templatePath,
      `holds a template in ConfigMap ${namespace}/${name} that does not parse as a Kubernetes resource: ${why}`,
    );
    return undefined;
  }
  return spec;
}

/**
 * The ConfigMaps in a YAML text (one or several documents; documents of other kinds are skipped).
 * `data` values must be strings, as in Kubernetes. Throws an Error naming the source and rule.
 */
export function readConfigMaps(text: string, source: string): ConfigMapData[] {
  const out: ConfigMapData[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: false, logLevel: 'error' });
  for (const doc of Array.isArray(docs) ? docs : []) {
    if (doc.errors.length > 0) throw new Error(`${source}: not YAML: ${doc.errors[0]!.message}`);
    const value = asRecord(doc.toJS({ maxAliasCount: 100 }));
    if (value?.kind !== 'ConfigMap') continue;
    const metadata = asRecord(value.metadata);
    const name = metadata?.name;
    if (typeof name !== 'string' || name === '')
      throw new Error(`${source}: metadata.name: ${JSON.stringify(name)} must be a non-empty string`);
    const namespace = metadata?.namespace;
    if (namespace !== undefined && (typeof namespace !== 'string' || namespace === ''))
      throw new Error(
        `${source}: metadata.namespace: ${JSON.stringify(namespace)} must be a non-empty string`,
      );
    const data: Record<string, string> = {};
    for (const [key, v] of Object.entries(asRecord(value.data) ?? {})) {
      if (typeof v !== 'string')
        throw new Error(`${source}: data.${key}: must be a string (a ConfigMap holds text)`);
      data[key] = v;
    }
    out.push({ name, ...(namespace !== undefined ? { namespace } : {}), data, source });
  }
  if (out.length === 0) throw new Error(`${source}: holds no document of kind ConfigMap`);
  return out;
}
