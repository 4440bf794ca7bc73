import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileConditions,
  evaluateGjson,
  GjsonSyntaxError,
  JOB_FAILURE_CONDITION,
  JOB_SUCCESS_CONDITION,
  parseGjsonPath,
  resourceState,
} from '../../../src/runner/kubernetes/index.js';

const job = (conditions: Record<string, unknown>[]) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  status: { conditions },
});
const cond = (type: string, status: string, reason?: string, message?: string) => ({
  type,
  status,
  reason,
  message,
});

describe('GJSON paths (the subset Katib conditions use)', () => {
  const doc = {
    status: {
      phase: 'Running',
      replicas: 3,
      conditions: [
        cond('Created', 'True'),
        cond('Running', 'False'),
        cond('Succeeded', 'True', 'Done', 'all good'),
      ],
    },
    'a.b': { c: 1 },
    items: [
      { name: 'x', n: 1 },
      { name: 'y', n: 5 },
      { name: 'zz', n: 10 },
    ],
  };
  const table: [string, unknown][] = [
    ['status.phase', 'Running'],
    ['status.missing', undefined],
    ['status.conditions.#', 3],
    ['status.conditions.1.type', 'Running'],
    ['status.conditions.9', undefined],
    ['a\\.b.c', 1],
    ['items.#.name', ['x', 'y', 'zz']],
    ['status.conditions.#(type=="Succeeded").reason', 'Done'],
    ['status.conditions.#(type=="Nope").reason', undefined],
    ['status.conditions.#(status=="True")#.type', ['Created', 'Succeeded']],
    ['status.conditions.#(status=="True")#|#', 2],
    ['status.conditions.#(type=="Succeeded")#|#(status=="True")#', [doc.status.conditions[2]]],
    ['status.conditions.#(type=="Succeeded")#|#(status=="False")#', []],
    ['items.#(n>4)#.name', ['y', 'zz']],
    ['items.#(n>=5)#.name', ['y', 'zz']],
    ['items.#(n<5).name', 'x'],
    ['items.#(n<=1)#.name', ['x']],
    ['items.#(name!="x")#.name', ['y', 'zz']],
    ['items.#(name%"z*")#.name', ['zz']],
    ['items.#(name!%"z*")#.name', ['x', 'y']],
    ['items.#(name%"?")#.n', [1, 5]],
    ['items.#(n=="1")#', []], // a string never equals a number
    ['items.#(name)#.n', [1, 5, 10]],
    ['items.#(missing)#', []],
    ['status.[@this].#(phase=="Running")#.replicas', [3]],
    ['status.[phase,replicas]', ['Running', 3]],
    ['status|phase', 'Running'],
    ['@this.status.replicas', 3],
  ];
  for (const [path, expected] of table) {
    it(`${path} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(evaluateGjson(doc, parseGjsonPath(path)), expected);
    });
  }

  for (const bad of [
    'status.',
    'a..b',
    'items.#(n>',
    'items.#(n==abc)',
    'x.@reverse',
    'status.cond*',
    'a\\',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseGjsonPath(bad), GjsonSyntaxError);
    });
  }
});

describe("resource state by Katib's conditions", () => {
  const defaults = compileConditions();
  it('a Job with no conditions is running', () => {
    assert.deepEqual(resourceState({ status: {} }, defaults), { phase: 'running' });
    assert.deepEqual(resourceState(job([cond('Suspended', 'True')]), defaults), { phase: 'running' });
  });
  it('Complete=True succeeds; Complete=False does not', () => {
    assert.deepEqual(resourceState(job([cond('Complete', 'True', 'CompletionsReached')]), defaults), {
      phase: 'succeeded',
      reason: 'CompletionsReached',
    });
    assert.deepEqual(resourceState(job([cond('Complete', 'False')]), defaults), { phase: 'running' });
  });
  it('Failed is checked first and carries its reason and message', () => {
    const failed = job([cond('Complete', 'True'), cond('Failed', 'True', 'DeadlineExceeded', 'too long')]);
    assert.deepEqual(resourceState(failed, defaults), {
      phase: 'failed',
      reason: 'DeadlineExceeded',
      message: 'too long',
    });
  });
  it('Kubeflow kinds: Succeeded condition; custom paths with a plain value', () => {
    const tf = compileConditions(
      'status.conditions.#(type=="Succeeded")#|#(status=="True")#',
      JOB_FAILURE_CONDITION,
    );
    assert.equal(resourceState(job([cond('Succeeded', 'True')]), tf).phase, 'succeeded');
    const argo = compileConditions(
      'status.[@this].#(phase=="Succeeded")#',
      'status.[@this].#(phase=="Failed")#',
    );
    assert.equal(resourceState({ status: { phase: 'Succeeded' } }, argo).phase, 'succeeded');
    assert.equal(resourceState({ status: { phase: 'Failed' } }, argo).phase, 'failed');
    assert.equal(resourceState({ status: { phase: 'Running' } }, argo).phase, 'running');
    const flag = compileConditions('status.done', 'status.broken');
    assert.equal(resourceState({ status: { done: false } }, flag).phase, 'running');
    assert.equal(resourceState({ status: { done: true } }, flag).phase, 'succeeded');
  });
  it('names the condition field when a path does not parse', () => {
    assert.throws(
      () => compileConditions('status.#(', JOB_FAILURE_CONDITION),
      /trialTemplate\.successCondition/,
    );
    assert.throws(
      () => compileConditions(JOB_SUCCESS_CONDITION, 'x.@pretty'),
      /trialTemplate\.failureCondition/,
    );
  });
});
