import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { showValue } from '../../src/api/errors.js';
import {
  type ParseOptions,
  parseExperiment,
  type SpecIssue,
  SpecValidationError,
} from '../../src/spec/index.js';

/** `${trialParameters.NAME}`, written without tripping the template-string lint. */
export const P = (name: string): string => `\${trialParameters.${name}}`;
/** `${trialSpec.KEY}`. */
export const M = (key: string): string => `\${trialSpec.${key}}`;

// biome-ignore lint/suspicious/noExplicitAny: tests mutate raw documents freely
export type Doc = any;

/** A small valid experiment, fresh on each call, as a decoded YAML document. */
export function baseDoc(): Doc {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name: 'demo' },
    spec: {
      objective: { type: 'maximize', objectiveMetricName: 'accuracy' },
      algorithm: { algorithmName: 'random' },
      maxTrialCount: 6,
      parameters: [
        { name: 'lr', parameterType: 'double', feasibleSpace: { min: '0.01', max: '0.1' } },
        { name: 'layers', parameterType: 'int', feasibleSpace: { min: '1', max: '4' } },
        { name: 'optimizer', parameterType: 'categorical', feasibleSpace: { list: ['sgd', 'adam'] } },
      ],
      trialTemplate: {
        primaryContainerName: 'main',
        trialParameters: [
          { name: 'learningRate', reference: 'lr' },
          { name: 'layers', reference: 'layers' },
          { name: 'optimizer', reference: 'optimizer' },
        ],
        trialSpec: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'main',
                    image: 'python:3.11',
                    command: [
                      'python3',
                      'train.py',
                      `--lr=${P('learningRate')}`,
                      `--layers=${P('layers')}`,
                      `--optimizer=${P('optimizer')}`,
                    ],
                  },
                ],
                restartPolicy: 'Never',
              },
            },
          },
        },
      },
    },
  };
}

/** baseDoc changed by `change`. */
export function docWith(change: (doc: Doc) => void): Doc {
  const doc = baseDoc();
  change(doc);
  return doc;
}

/** The problems parseExperiment reports, [] when it accepts the input. */
export function problems(input: unknown, options?: ParseOptions): SpecIssue[] {
  try {
    parseExperiment(input, options);
    return [];
  } catch (err) {
    if (err instanceof SpecValidationError) return [...err.issues];
    throw err;
  }
}

/** Asserts that the input fails with exactly one problem, at `path`, whose rule matches and whose message line shows the value. */
export function assertOneProblem(
  input: unknown,
  path: string,
  rule: RegExp,
  options?: ParseOptions,
): SpecIssue {
  let error: unknown;
  try {
    parseExperiment(input, options);
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof SpecValidationError, `expected a SpecValidationError for ${path}`);
  assert.equal(error.code, 'invalid_argument');
  assert.deepEqual(
    error.issues.map((i) => i.path),
    [path],
    `problems: ${error.message}`,
  );
  const issue = error.issues[0]!;
  assert.match(issue.rule, rule);
  const line = error.message.split('\n')[1]!;
  assert.ok(line.includes(`${path}: `), line);
  if (issue.value !== undefined) assert.ok(line.includes(showValue(issue.value)), line);
  assert.ok(line.includes(issue.rule), line);
  assert.equal(error.field, path);
  return issue;
}

/** One row of a rule table: change the base document so that exactly one rule breaks. */
export interface RuleRow {
  name: string;
  change: (d: Doc) => void;
  path: string;
  rule: RegExp;
  /** The value the problem shows; checked when given. */
  value?: unknown;
  /** The field is missing: the problem shows no value. */
  missing?: true;
  options?: ParseOptions;
}

export type RuleTable = Record<string, RuleRow[]>;

/** One test per row: exactly one problem, at the row's path, with its rule and value. */
export function runRuleTable(table: RuleTable): void {
  for (const [section, rows] of Object.entries(table)) {
    describe(`rule: ${section}`, () => {
      for (const row of rows) {
        it(row.name, () => {
          const issue = assertOneProblem(docWith(row.change), row.path, row.rule, row.options);
          if (row.missing) assert.equal(issue.value, undefined);
          if ('value' in row) assert.deepEqual(issue.value, row.value);
        });
      }
    });
  }
}
