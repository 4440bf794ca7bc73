/**
 * Katib's trial template placeholders. `${trialParameters.NAME}` anywhere in the trialSpec is
 * replaced by the value of the trial parameter NAME, whose `reference` is either an experiment
 * parameter or trial metadata: `${trialSpec.Name}`, `${trialSpec.Namespace}`, `${trialSpec.Kind}`,
 * `${trialSpec.APIVersion}`, `${trialSpec.Labels[key]}`, `${trialSpec.Annotations[key]}`.
 */

import { child } from './issues.js';

export type PlaceholderKind = 'trialParameters' | 'trialSpec';

/**
 * Replaces each `${trialParameters.NAME}` and `${trialSpec.KEY}` in `text` by what `fn` returns
 * for it (the placeholder itself to keep it). NAME runs to the first `}`, as in Katib.
 */
export function replacePlaceholders(
  text: string,
  fn: (kind: PlaceholderKind, key: string, placeholder: string) => string,
): string {
  if (!text.includes('${')) return text;
  return text.replace(
    /\$\{(trialParameters|trialSpec)\.(.+?)\}/g,
    (whole, kind: PlaceholderKind, key: string) => fn(kind, key, whole),
  );
}

export type MetaReference =
  | { key: 'Name' | 'Namespace' | 'Kind' | 'APIVersion' }
  | { key: 'Labels' | 'Annotations'; index: string };

/** The metadata references Katib knows, as users write them (for error messages). */
export const META_REFERENCE_FORMS = [
  'Name',
  'Namespace',
  'Kind',
  'APIVersion',
  'Labels[key]',
  'Annotations[key]',
]
  .map((key) => `\${trialSpec.${key}}`)
  .join(', ');

/** The metadata a KEY of `${trialSpec.KEY}` refers to, or undefined when Katib has no such key. */
export function parseMetaKey(key: string): MetaReference | undefined {
  if (key === 'Name' || key === 'Namespace' || key === 'Kind' || key === 'APIVersion') return { key };
  const m = /^(Labels|Annotations)\[(.+)\]$/.exec(key);
  if (m === null) return undefined;
  return { key: m[1] as 'Labels' | 'Annotations', index: m[2]! };
}

/** Whether a trialParameters reference is a metadata reference (`${trialSpec.…}`) at all. */
export function isMetaReferenceForm(reference: string): boolean {
  return reference.startsWith('${trialSpec.') && reference.endsWith('}');
}

/** The metadata of a metadata reference, or undefined when the form is not one Katib has. */
export function parseMetaReference(reference: string): MetaReference | undefined {
  if (!isMetaReferenceForm(reference)) return undefined;
  return parseMetaKey(reference.slice('${trialSpec.'.length, -1));
}

/**
 * Rebuilds a JSON-like value with every string (object keys included) passed through `fn`,
 * which gets the string and its field path. Leaves the input untouched.
 */
export function mapStrings(
  value: unknown,
  path: string,
  fn: (text: string, path: string) => string,
): unknown {
  if (typeof value === 'string') return fn(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, child(path, i), fn));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const at = child(path, k);
      // defineProperty: a `__proto__` key from YAML stays a plain key.
      Object.defineProperty(out, fn(k, at), {
        value: mapStrings(v, at, fn),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
