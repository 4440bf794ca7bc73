import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Doc, docWith, M, P, problems, type RuleTable, runRuleTable } from './helpers.js';

const tt = (d: Doc) => d.spec.trialTemplate;
const container = (d: Doc) => d.spec.trialTemplate.trialSpec.spec.template.spec.containers[0];
const C0 = 'spec.trialTemplate.trialSpec.spec.template.spec.containers[0]';

const TABLE: RuleTable = {
  'trial template': [
    {
      name: 'missing',
      change: (d) => delete d.spec.trialTemplate,
      path: 'spec.trialTemplate',
      rule: /is required/,
    },
    {
      name: 'trialSpec missing',
      change: (d) => delete tt(d).trialSpec,
      path: 'spec.trialTemplate.trialSpec',
      rule: /is required \(a Kubernetes resource/,
    },
    {
      name: 'trialSpec a list',
      change: (d) => (tt(d).trialSpec = [1]),
      path: 'spec.trialTemplate.trialSpec',
      rule: /must be a mapping/,
    },
    {
      name: 'configMap source',
      change: (d) => {
        delete tt(d).trialSpec;
        tt(d).configMap = {
          configMapName: 'templates',
          configMapNamespace: 'kubeflow',
          templatePath: 'job.yaml',
        };
      },
      path: 'spec.trialTemplate.configMap.configMapName',
      rule: /cannot be read here: no ConfigMaps were given/,
    },
    {
      name: 'trialSpec without kind',
      change: (d) => delete tt(d).trialSpec.kind,
      path: 'spec.trialTemplate.trialSpec.kind',
      rule: /is required/,
    },
    {
      name: 'trialSpec with a fixed name',
      change: (d) => (tt(d).trialSpec.metadata = { name: 'job' }),
      path: 'spec.trialTemplate.trialSpec.metadata.name',
      rule: /must be omitted/,
    },
    {
      name: 'repeated trial parameter name',
      change: (d) => {
        tt(d).trialParameters.push({ name: 'layers', reference: M('Name') });
      },
      path: 'spec.trialTemplate.trialParameters[3].name',
      rule: /repeats spec.trialTemplate.trialParameters\[1\].name/,
    },
    {
      name: 'repeated reference',
      change: (d) => {
        tt(d).trialParameters.push({ name: 'lr2', reference: 'lr' });
        container(d).command.push(P('lr2'));
      },
      path: 'spec.trialTemplate.trialParameters[3].reference',
      rule: /repeats spec.trialTemplate.trialParameters\[0\].reference/,
    },
    {
      name: 'braces in a name',
      change: (d) => {
        tt(d).trialParameters.push({ name: 'a}b', reference: M('Name') });
      },
      path: 'spec.trialTemplate.trialParameters[3].name',
      rule: /must not contain '\{' or '\}'/,
    },
    {
      name: 'reference to no parameter',
      change: (d) => {
        tt(d).trialParameters.push({ name: 'momentum', reference: 'momentum' });
        container(d).command.push(P('momentum'));
      },
      path: 'spec.trialTemplate.trialParameters[3].reference',
      rule: /is not a parameter in spec.parameters \(lr, layers, optimizer\) nor trial metadata/,
      value: 'momentum',
    },
    {
      name: 'unknown metadata reference',
      change: (d) => {
        tt(d).trialParameters.push({ name: 'uid', reference: M('UID') });
        container(d).command.push(P('uid'));
      },
      path: 'spec.trialTemplate.trialParameters[3].reference',
      rule: /is not trial metadata Katib knows/,
    },
    {
      name: 'label reference without the label',
      change: (d) => {
        tt(d).trialParameters.push({ name: 'team', reference: M('Labels[team]') });
        container(d).command.push(P('team'));
      },
      path: 'spec.trialTemplate.trialParameters[3].reference',
      rule: /names spec.trialTemplate.trialSpec.metadata.labels\["team"\], which is not set/,
    },
    {
      name: 'declared, never used',
      change: (d) => {
        tt(d).trialParameters.push({ name: 'trialName', reference: M('Name') });
      },
      path: 'spec.trialTemplate.trialParameters[3].name',
      rule: /is not used in spec.trialTemplate.trialSpec/,
    },
    {
      name: 'used, never declared',
      change: (d) => container(d).command.push(`--lr=${P('learning_rate')}`),
      path: `${C0}.command[5]`,
      rule: /uses \$\{trialParameters.learning_rate\}, which is not declared.*\(declared: learningRate, layers, optimizer\)/,
    },
    {
      name: 'unknown direct metadata placeholder',
      change: (d) => container(d).command.push(M('Uid')),
      path: `${C0}.command[5]`,
      rule: /uses \$\{trialSpec.Uid\}, which is not trial metadata/,
    },
    {
      name: 'parameter that reaches no trial',
      change: (d) => {
        tt(d).trialParameters.pop();
        container(d).command.pop();
      },
      path: 'spec.parameters[2].name',
      rule: /is not the reference of any spec.trialTemplate.trialParameters entry/,
      value: 'optimizer',
    },
    {
      name: 'primaryContainerName of no container',
      change: (d) => (tt(d).primaryContainerName = 'training'),
      path: 'spec.trialTemplate.primaryContainerName',
      rule: /does not name a container of the Job \(containers: main\)/,
      value: 'training',
    },
    {
      name: 'no primaryContainerName, two containers',
      change: (d) => {
        delete tt(d).primaryContainerName;
        d.spec.trialTemplate.trialSpec.spec.template.spec.containers.push({
          name: 'sidecar',
          command: ['sleep'],
        });
      },
      path: 'spec.trialTemplate.primaryContainerName',
      rule: /is required: the Job has several containers \(main, sidecar\)/,
    },
    {
      name: 'Job without containers',
      change: (d) => {
        // The placeholders move to an annotation so that only the containers rule is broken.
        tt(d).trialSpec.metadata = { annotations: { args: container(d).command.join(' ') } };
        d.spec.trialTemplate.trialSpec.spec.template.spec.containers = [];
      },
      path: 'spec.trialTemplate.trialSpec.spec.template.spec.containers',
      rule: /must list at least one container/,
      value: [],
    },
    {
      name: 'TFJob without primaryContainerName',
      change: (d) => {
        delete tt(d).primaryContainerName;
        Object.assign(tt(d).trialSpec, { apiVersion: 'kubeflow.org/v1', kind: 'TFJob' });
      },
      path: 'spec.trialTemplate.primaryContainerName',
      rule: /is required for a trialSpec of kind TFJob/,
    },
    {
      name: 'unknown trialTemplate field',
      change: (d) => (tt(d).primaryContainer = 'main'),
      path: 'spec.trialTemplate.primaryContainer',
      rule: /did you mean "primaryContainerName"/,
    },
    {
      name: 'local: args without command',
      change: (d) => {
        container(d).args = container(d).command;
        delete container(d).command;
      },
      path: `${C0}.command`,
      rule: /is required to run locally: args alone run the image's entrypoint/,
      options: { runner: 'local' },
    },
    {
      name: 'local: env from a Secret',
      change: (d) =>
        (container(d).env = [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]),
      path: `${C0}.env[0].valueFrom`,
      rule: /is not supported locally/,
      options: { runner: 'local' },
    },
  ],
};

runRuleTable(TABLE);

describe('rules that depend on the runner', () => {
  it('args without command pass when no runner is named (Kubernetes runs the image)', () => {
    const doc = docWith((d) => {
      container(d).args = container(d).command;
      delete container(d).command;
    });
    assert.deepEqual(problems(doc), []);
  });
});
