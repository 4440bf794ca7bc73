/**
 * `katib run` with `spec.trialTemplate.configMap`: the template from `--config-map FILE`
 * (repeatable), from KATIB_CONFIG_MAPS, or from `<configMapName>.yaml` beside the Experiment;
 * a missing ConfigMap is exit 2 naming the field. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { katib } from './cli.js';

const EXPERIMENT = `apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: from-cm}
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: grid}
  maxTrialCount: 2
  parameters:
    - {name: x, parameterType: discrete, feasibleSpace: {list: ["0.3", "0.1"]}}
  trialTemplate:
    primaryContainerName: training
    trialParameters: [{name: x, reference: x}]
    configMap: {configMapName: trial-templates, configMapNamespace: kubeflow, templatePath: job.yaml}
`;

const CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata: {name: trial-templates, namespace: kubeflow}
data:
  job.yaml: |
    apiVersion: batch/v1
    kind: Job
    spec:
      template:
        spec:
          containers:
            - name: training
              command: [sh, -c, 'echo "loss=\${trialParameters.x}"']
          restartPolicy: Never
`;

describe('katib run with a ConfigMap trial template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-cm-e2e-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  /** A fresh folder holding exp.yaml, and the run's flags. */
  function setup(): { folder: string; flags: string[] } {
    const folder = join(dir, `case-${++n}`);
    mkdirSync(folder);
    writeFileSync(join(folder, 'exp.yaml'), EXPERIMENT);
    return {
      folder,
      flags: ['--db', `sqlite:${join(folder, 'db.sqlite')}`, '--work-dir', join(folder, 'work'), '-q'],
    };
  }

  it('reads --config-map FILE', async () => {
    const { folder, flags } = setup();
    writeFileSync(join(folder, 'templates-elsewhere.yaml'), CONFIG_MAP);
    const r = await katib([
      'run',
      join(folder, 'exp.yaml'),
      ...flags,
      '--config-map',
      join(folder, 'templates-elsewhere.yaml'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /loss/);
  });

  it('reads KATIB_CONFIG_MAPS, and <configMapName>.yaml beside the Experiment', async () => {
    const a = setup();
    writeFileSync(join(a.folder, 'other.yaml'), CONFIG_MAP);
    const env = await katib(['run', join(a.folder, 'exp.yaml'), ...a.flags], {
      env: { KATIB_CONFIG_MAPS: join(a.folder, 'other.yaml') },
    });
    assert.equal(env.code, 0, env.stderr);
    const b = setup();
    writeFileSync(join(b.folder, 'trial-templates.yaml'), CONFIG_MAP);
    const beside = await katib(['run', join(b.folder, 'exp.yaml'), ...b.flags]);
    assert.equal(beside.code, 0, beside.stderr);
  });

  it('exits 2 naming the field when no ConfigMap holds the template', async () => {
    const { folder, flags } = setup();
    const r = await katib(['run', join(folder, 'exp.yaml'), ...flags]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /spec\.trialTemplate\.configMap\.configMapName: "trial-templates" names no ConfigMap in namespace kubeflow \(known: none\)/,
    );
  });
});
