/**
 * `spec.trialTemplate.configMap`: the template read from a ConfigMap's data key, as Katib's
 * controller reads it; locally from `--config-map` files or `<configMapName>.yaml` beside the
 * Experiment. Every failure names the field, the value and the rule.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import {
  type ConfigMapData,
  loadExperimentFile,
  parseExperiment,
  readConfigMaps,
  SpecValidationError,
} from '../../src/spec/index.js';
import { baseDoc, type Doc, problems } from './helpers.js';

/** baseDoc with its trialSpec moved into a ConfigMap `templates`/kubeflow under key job.yaml. */
function split(): { doc: Doc; configMap: ConfigMapData } {
  const doc = baseDoc();
  const trialSpec = doc.spec.trialTemplate.trialSpec;
  delete doc.spec.trialTemplate.trialSpec;
  doc.spec.trialTemplate.configMap = {
    configMapName: 'templates',
    configMapNamespace: 'kubeflow',
    templatePath: 'job.yaml',
  };
  return {
    doc,
    configMap: {
      name: 'templates',
      namespace: 'kubeflow',
      data: { 'job.yaml': stringify(trialSpec) },
      source: 'test',
    },
  };
}

const ONE = (p: { path: string; value: unknown; rule: string }[]) => {
  assert.equal(p.length, 1, JSON.stringify(p));
  return p[0]!;
};

describe('trialTemplate.configMap', () => {
  it('reads the template from the data key and checks it like an inline trialSpec', () => {
    const { doc, configMap } = split();
    const e = parseExperiment(doc, { configMaps: [configMap], runner: 'local' });
    const inline = parseExperiment(baseDoc(), { runner: 'local' });
    assert.deepEqual(e.spec.trialTemplate, inline.spec.trialTemplate);
  });

  it('a ConfigMap without a namespace matches the one the Experiment names', () => {
    const { doc, configMap } = split();
    delete configMap.namespace;
    parseExperiment(doc, { configMaps: [configMap] });
  });

  it('refuses a missing ConfigMap, naming the ones known', () => {
    const { doc, configMap } = split();
    configMap.namespace = 'other';
    const p = ONE(problems(doc, { configMaps: [configMap] }));
    assert.equal(p.path, 'spec.trialTemplate.configMap.configMapName');
    assert.equal(p.value, 'templates');
    assert.match(p.rule, /names no ConfigMap in namespace kubeflow \(known: other\/templates\)/);
  });

  it('refuses a missing key, naming the keys there are', () => {
    const { doc, configMap } = split();
    doc.spec.trialTemplate.configMap.templatePath = 'nope.yaml';
    const p = ONE(problems(doc, { configMaps: [configMap] }));
    assert.equal(p.path, 'spec.trialTemplate.configMap.templatePath');
    assert.equal(p.value, 'nope.yaml');
    assert.match(p.rule, /is not a data key of ConfigMap kubeflow\/templates .*\(keys: job.yaml\)/);
  });

  for (const [what, text] of [
    ['bad YAML', 'kind: Job\n  apiVersion: [batch/v1'],
    ['a list', '- a\n- b\n'],
    ['a scalar', 'hello'],
  ] as const) {
    it(`refuses a template that is ${what}`, () => {
      const { doc, configMap } = split();
      configMap.data['job.yaml'] = text;
      const p = ONE(problems(doc, { configMaps: [configMap] }));
      assert.equal(p.path, 'spec.trialTemplate.configMap.templatePath');
      assert.match(p.rule, /does not parse as a Kubernetes resource/);
    });
  }

  it('checks the template it reads by the trialSpec rules', () => {
    const { doc, configMap } = split();
    configMap.data['job.yaml'] = 'apiVersion: batch/v1\nmetadata: {name: fixed}\nspec: {}\n';
    const paths = problems(doc, { configMaps: [configMap] }).map((p) => p.path);
    assert.ok(paths.includes('spec.trialTemplate.trialSpec.kind'), paths.join());
    assert.ok(paths.includes('spec.trialTemplate.trialSpec.metadata.name'), paths.join());
  });

  it("follows Katib's webhook: all three fields, and not together with trialSpec", () => {
    const { doc, configMap } = split();
    doc.spec.trialTemplate.configMap.configMapNamespace = '';
    delete doc.spec.trialTemplate.configMap.templatePath;
    const p = problems(doc, { configMaps: [configMap] });
    assert.deepEqual(
      p.map((x) => [x.path, x.rule]),
      [
        ['spec.trialTemplate.configMap.configMapNamespace', 'is required'],
        ['spec.trialTemplate.configMap.templatePath', 'is required'],
      ],
    );
    const both = split();
    both.doc.spec.trialTemplate.trialSpec = baseDoc().spec.trialTemplate.trialSpec;
    const q = ONE(problems(both.doc, { configMaps: [both.configMap] }));
    assert.equal(q.path, 'spec.trialTemplate.configMap');
    assert.match(q.rule, /must not be set together with spec.trialTemplate.trialSpec/);
  });

  it('readConfigMaps takes the ConfigMaps of a stream and refuses non-string data', () => {
    const text =
      'kind: Namespace\nmetadata: {name: x}\n---\nkind: ConfigMap\nmetadata: {name: a, namespace: n}\ndata: {k: v}\n';
    assert.deepEqual(readConfigMaps(text, 'f.yaml'), [
      { name: 'a', namespace: 'n', data: { k: 'v' }, source: 'f.yaml' },
    ]);
    assert.throws(
      () => readConfigMaps('kind: ConfigMap\nmetadata: {name: a}\ndata: {k: 1}\n', 'f.yaml'),
      /data.k: must be a string/,
    );
    assert.throws(() => readConfigMaps('kind: Secret\n', 'f.yaml'), /holds no document of kind ConfigMap/);
  });
});

describe('loadExperimentFile with ConfigMap files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-cm-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const { doc, configMap } = split();
  const cmYaml = (name: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'kubeflow' },
      data: configMap.data,
    });

  it('finds <configMapName>.yaml beside the Experiment', async () => {
    const sub = mkdtempSync(join(dir, 'beside-'));
    writeFileSync(join(sub, 'exp.yaml'), stringify(doc));
    await assert.rejects(loadExperimentFile(join(sub, 'exp.yaml')), (err: unknown) => {
      assert.ok(err instanceof SpecValidationError);
      assert.match(
        err.message,
        /configMapName: "templates" names no ConfigMap in namespace kubeflow \(known: none\)/,
      );
      return true;
    });
    writeFileSync(join(sub, 'templates.yaml'), cmYaml('templates'));
    const e = await loadExperimentFile(join(sub, 'exp.yaml'));
    assert.equal(e.spec.trialTemplate.trialSpec.kind, 'Job');
  });

  it('reads the files given, before the one beside', async () => {
    const sub = mkdtempSync(join(dir, 'given-'));
    writeFileSync(join(sub, 'exp.yaml'), stringify(doc));
    writeFileSync(join(sub, 'elsewhere.yaml'), cmYaml('templates'));
    writeFileSync(join(sub, 'templates.yaml'), 'not: [valid');
    const e = await loadExperimentFile(join(sub, 'exp.yaml'), {
      configMapFiles: [join(sub, 'elsewhere.yaml')],
    });
    assert.equal(e.spec.trialTemplate.trialSpec.kind, 'Job');
    await assert.rejects(
      loadExperimentFile(join(sub, 'exp.yaml'), { configMapFiles: [join(sub, 'missing.yaml')] }),
      /--config-map: ".*missing.yaml" cannot be read/,
    );
  });
});

describe('Custom collector checked for a local run', () => {
  it('needs a command locally (no image entrypoint here), not on Kubernetes', () => {
    const doc = baseDoc();
    doc.spec.metricsCollectorSpec = {
      collector: { kind: 'Custom', customCollector: { name: 'c', image: 'x', args: ['-m', 'accuracy'] } },
    };
    const p = ONE(problems(doc, { runner: 'local' }));
    assert.equal(p.path, 'spec.metricsCollectorSpec.collector.customCollector.command');
    assert.match(p.rule, /is required to run the collector locally/);
    assert.deepEqual(problems(doc, { runner: 'kubernetes' }), []);
  });
});
