/**
 * trialTemplate.configMap on Kubernetes: the runner reads the ConfigMap from the cluster (the
 * stand-in API server here) and the template in it becomes the trialSpec; a missing ConfigMap or
 * key is refused naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { configMapsNamedBy, parseExperiment, SpecValidationError } from '../../../src/spec/index.js';
import { baseDoc } from '../../spec/helpers.js';
import { CONFIG_MAPS, FakeKubeApiServer } from '../../support/fake-kube-apiserver.js';
import { standInRunner } from './support.js';

const server = new FakeKubeApiServer();
before(() => server.start());
after(() => server.close());

describe('trialTemplate.configMap read from the cluster', () => {
  const inline = baseDoc();
  const doc = baseDoc();
  delete doc.spec.trialTemplate.trialSpec;
  doc.spec.trialTemplate.configMap = {
    configMapName: 'trial-templates',
    configMapNamespace: 'kubeflow',
    templatePath: 'job.yaml',
  };

  it('reads the ConfigMap through the runner, undefined when there is none', async () => {
    const { runner } = standInRunner(server);
    assert.equal(await runner.readConfigMap('trial-templates', 'kubeflow'), undefined);
    server.store.create(CONFIG_MAPS, 'kubeflow', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'trial-templates', namespace: 'kubeflow' },
      data: { 'job.yaml': stringify(inline.spec.trialTemplate.trialSpec) },
    });
    const read = runner.readConfigMap.bind(runner);
    const configMaps = await configMapsNamedBy(doc, read);
    assert.equal(configMaps?.length, 1);
    const e = parseExperiment(doc, { runner: 'kubernetes', ...(configMaps ? { configMaps } : {}) });
    assert.deepEqual(
      e.spec.trialTemplate,
      parseExperiment(inline, { runner: 'kubernetes' }).spec.trialTemplate,
    );

    const other = structuredClone(doc);
    other.spec.trialTemplate.configMap.configMapNamespace = 'elsewhere';
    const none = await configMapsNamedBy(other, read);
    assert.deepEqual(none, []);
    assert.throws(
      () => parseExperiment(other, { runner: 'kubernetes', configMaps: none ?? [] }),
      (err: unknown) =>
        err instanceof SpecValidationError &&
        /configMapName: "trial-templates" names no ConfigMap in namespace elsewhere/.test(err.message),
    );
    const badKey = structuredClone(doc);
    badKey.spec.trialTemplate.configMap.templatePath = 'missing.yaml';
    assert.throws(
      () => parseExperiment(badKey, { runner: 'kubernetes', configMaps: configMaps ?? [] }),
      /templatePath: "missing.yaml" is not a data key of ConfigMap kubeflow\/trial-templates from the cluster \(keys: job.yaml\)/,
    );
  });
});
