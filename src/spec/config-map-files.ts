import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KatibError } from '../api/errors.js';
import { type ConfigMapData, readConfigMaps } from './config-map-template.js';
import { IssueList } from './issues.js';
import { readExperimentDocument } from './read-document.js';
import { asRecord } from './trial-spec.js';

/**
 * The ConfigMaps a local run can read its trial template from: every ConfigMap in `files` (the
 * `--config-map` files, in order), then, when the Experiment's `spec.trialTemplate.configMap`
 * names one that none of them holds, `<configMapName>.yaml` (or `.yml`) beside the Experiment
 * file. Only the named file is read beside it, never the whole folder. Undefined when the
 * Experiment names no ConfigMap and no file was given. Throws INVALID_ARGUMENT for a file that
 * cannot be read or holds no ConfigMap.
 */
export async function localConfigMaps(
  experimentFile: string,
  experimentText: string,
  files: readonly string[] = [],
): Promise<ConfigMapData[] | undefined> {
  const out: ConfigMapData[] = [];
  for (const file of files) out.push(...(await readConfigMapFile(file, '--config-map')));
  const wanted = configMapNameOf(experimentText);
  if (wanted === undefined) return files.length > 0 ? out : undefined;
  if (out.some((c) => c.name === wanted)) return out;
  const dir = path.dirname(path.resolve(experimentFile));
  for (const ext of ['.yaml', '.yml']) {
    const beside = path.join(dir, `${wanted}${ext}`);
    const text = await readFile(beside, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      out.push(...parseOrThrow(text, beside, 'beside the Experiment'));
      break;
    }
  }
  return out;
}

async function readConfigMapFile(file: string, how: string): Promise<ConfigMapData[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KatibError(
      'invalid_argument',
      `${how}: ${JSON.stringify(file)} cannot be read: ${(err as Error).message}`,
      { field: how, cause: err },
    );
  }
  return parseOrThrow(text, file, how);
}

function parseOrThrow(text: string, file: string, how: string): ConfigMapData[] {
  try {
    return readConfigMaps(text, file);
  } catch (err) {
    throw new KatibError('invalid_argument', `${how}: ${(err as Error).message}`, { field: how, cause: err });
  }
}

/**
 * The ConfigMap a decoded Experiment's `spec.trialTemplate.configMap` names, read with `read`
 * (on Kubernetes: from the cluster); [] when it names one that `read` does not find (the check
 * then reports it), undefined when it names none. A failing `read` rejects.
 */
export async function configMapsNamedBy(
  raw: unknown,
  read: (name: string, namespace: string) => Promise<ConfigMapData | undefined>,
): Promise<ConfigMapData[] | undefined> {
  const ref = configMapRefOf(raw);
  const name = ref?.configMapName;
  const namespace = ref?.configMapNamespace;
  if (typeof name !== 'string' || name === '' || typeof namespace !== 'string' || namespace === '')
    return undefined;
  let found: ConfigMapData | undefined;
  try {
    found = await read(name, namespace);
  } catch (err) {
    throw new KatibError(
      'unavailable',
      `spec.trialTemplate.configMap: ConfigMap ${namespace}/${name} cannot be read: ${(err as Error).message}`,
      { field: 'spec.trialTemplate.configMap', cause: err },
    );
  }
  return found ? [found] : [];
}

function configMapRefOf(raw: unknown): Record<string, unknown> | undefined {
  return asRecord(asRecord(asRecord(asRecord(raw)?.spec)?.trialTemplate)?.configMap);
}

/** `spec.trialTemplate.configMap.configMapName` of an Experiment text, if it has a usable one. */
function configMapNameOf(text: string): string | undefined {
  const ref = configMapRefOf(readExperimentDocument(text, new IssueList()));
  const name = ref?.configMapName;
  return typeof name === 'string' && name !== '' && !name.includes('/') && !name.includes('\\')
    ? name
    : undefined;
}
