import { LineCounter, parseAllDocuments } from 'yaml';
import type { IssueList } from './issues.js';

/**
 * The one Experiment in a YAML (or JSON) text. A stream of several documents is accepted when
 * exactly one of them is `kind: Experiment` (files that also carry, say, a Namespace).
 * Syntax errors and duplicate keys are problems, each with its line and column. Undefined when
 * there were problems.
 */
export function readExperimentDocument(text: string, issues: IssueList): unknown {
  const lineCounter = new LineCounter();
  // logLevel error: yaml would otherwise print a Node warning on stderr for odd input (a collection as a key).
  const parsed = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: 'error',
  });
  const docs = Array.isArray(parsed) ? parsed : [];
  const where = (offset: number | undefined): string => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `line ${line}, column ${col}`;
  };
  let broken = false;
  for (const doc of docs) {
    for (const err of doc.errors) {
      issues.error(where(err.pos[0]), undefined, err.message);
      broken = true;
    }
    for (const w of doc.warnings) issues.warn(where(w.pos[0]), undefined, w.message);
  }
  if (broken) return undefined;
  const values: unknown[] = [];
  for (const doc of docs) {
    try {
      const value: unknown = doc.toJS({ maxAliasCount: 100 });
      if (value !== null && value !== undefined) values.push(value);
    } catch (err) {
      // yaml refuses alias bombs here (ReferenceError), after parsing succeeded.
      issues.error('document', undefined, `cannot be read: ${(err as Error).message}`);
      return undefined;
    }
  }
  if (values.length === 0) {
    issues.error(
      'document',
      undefined,
      'is empty: expected a Katib Experiment (apiVersion: kubeflow.org/v1beta1, kind: Experiment)',
    );
    return undefined;
  }
  if (values.length === 1) return values[0];
  const experiments = values.filter((v) => (v as { kind?: unknown }).kind === 'Experiment');
  if (experiments.length !== 1) {
    issues.error(
      'document',
      undefined,
      `holds ${values.length} YAML documents, ${experiments.length} of them kind Experiment: expected exactly one`,
    );
    return undefined;
  }
  return experiments[0];
}
