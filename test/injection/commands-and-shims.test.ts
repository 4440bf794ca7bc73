/**
 * How trial commands are read (python -c, node -e, sh -c heredocs as Katib's SDK writes them,
 * script files, other programs), and the runtime shims (Python sitecustomize, Node --import
 * preload) pushing metrics from unmodified code as it prints them, against a real DB manager.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  classifyCommand,
  nodeShimSource,
  pythonInjectDir,
  rewriteShellScript,
  stripSpans,
} from '../../src/injection/index.js';
import { run, startTestDbManager, type TestDbManager } from './support.js';

describe('reading trial commands', () => {
  const cases: [string[], ReturnType<typeof classifyCommand>][] = [
    [['python3', '-u', '-c', 'print(1)'], { kind: 'inline', language: 'python', index: 3, prefix: '' }],
    [['python3', '-uc', 'print(1)'], { kind: 'inline', language: 'python', index: 2, prefix: '' }],
    [
      ['/usr/bin/env', 'python3.11', '-W', 'ignore', 'train.py', '--lr=1'],
      { kind: 'script', language: 'python', runtime: 'python', index: 4 },
    ],
    [['python', '-m', 'pkg.train'], { kind: 'runtime', runtime: 'python' }],
    [
      ['node', '--input-type=module', '--eval', 'x'],
      { kind: 'inline', language: 'javascript', index: 3, prefix: '' },
    ],
    [['node', '--eval=x'], { kind: 'inline', language: 'javascript', index: 1, prefix: '--eval=' }],
    [
      ['node', '--import', 'tsx', 'train.ts'],
      { kind: 'script', language: 'typescript', runtime: 'node', index: 3 },
    ],
    [['tsx', '-e', 'x'], { kind: 'inline', language: 'typescript', index: 2, prefix: '' }],
    [['bash', '-ec', 'echo hi'], { kind: 'shell', index: 2 }],
    [['sh', 'train.sh'], { kind: 'other', program: 'sh' }],
    [['./train', '--lr', '0.1'], { kind: 'other', program: './train' }],
  ];
  for (const [argv, kind] of cases) it(argv.join(' '), () => assert.deepEqual(classifyCommand(argv), kind));
});

describe('what is left of a line without its metrics', () => {
  const cases: [string, [number, number][], string | undefined][] = [
    [
      'epoch 3: loss=0.5 accuracy=0.9',
      [
        [9, 17],
        [18, 30],
      ],
      'epoch 3:',
    ],
    ['loss=0.5, acc=0.9, step 5', [[0, 8]], 'acc=0.9, step 5'],
    ['step 5, loss=0.5', [[8, 16]], 'step 5'],
    ['a loss=0.5 b', [[2, 10]], 'a b'],
    ['loss=0.5\n', [[0, 8]], undefined],
    [
      'loss=0.5 | acc=0.1',
      [
        [0, 8],
        [11, 18],
      ],
      undefined,
    ],
  ];
  for (const [line, spans, left] of cases)
    it(JSON.stringify(line), () =>
      assert.equal(
        stripSpans(
          line,
          spans.map(([start, end]) => ({ start, end })),
        ),
        left,
      ),
    );
});

// Katib's Python SDK: tune(objective=fn) runs the function's source from a heredoc in bash -c.
const SDK_SCRIPT = `program_path=$(mktemp -d)
read -r -d '' SCRIPT << EOM

import time
def objective(parameters):
    for epoch in range(3):
        loss = float(parameters["lr"]) / (epoch + 1)
        print(f"epoch {epoch}: loss={loss}")
        time.sleep(0.05)
objective({'lr': '0.5'})

EOM
printf "%s" "$SCRIPT" > $program_path/ephemeral_objective.py
python3 -u $program_path/ephemeral_objective.py`;

describe('heredocs in sh -c', () => {
  it("rewrites the Python heredoc of Katib's SDK script, shell-escaped", () => {
    const out = rewriteShellScript(SDK_SCRIPT, { metricNames: ['loss'], origin: 'sh -c' });
    assert.equal(out.changed, true);
    assert.match(out.script, /_katib_push\.report\("loss", loss\); print\(f"epoch \{epoch\}:"\)/);
    assert.match(out.script, /^printf "%s" "\$SCRIPT" > \$program_path\/ephemeral_objective\.py$/m);
    assert.equal(out.reports[0]!.rewritten.length, 1);
  });

  it('leaves statements the shell would change, saying why; quoted heredocs are taken as written', () => {
    const unquoted = rewriteShellScript(
      'python3 - <<EOF\nprint(f"loss={1}")\nprint(f"loss={2}", "$HOME")\nEOF\n',
      {
        metricNames: ['loss'],
        origin: 'sh -c',
      },
    );
    assert.equal(unquoted.reports[0]!.rewritten.length, 1);
    assert.match(unquoted.reports[0]!.notRewritten[0]!.reasons[0]!, /unquoted heredoc/);
    const quoted = rewriteShellScript('cat > t.py <<\'EOF\'\nprint("loss=", 2)\nEOF\npython3 t.py\n', {
      metricNames: ['loss'],
      origin: 'sh -c',
    });
    assert.match(quoted.script, /^_katib_push\.report\("loss", 2\)$/m);
  });

  describe('runs', () => {
    let dbm: TestDbManager;
    before(async () => {
      dbm = await startTestDbManager();
    });
    after(() => dbm.close());

    it("the rewritten SDK script pushes each epoch's loss", async () => {
      const script = rewriteShellScript(SDK_SCRIPT, { metricNames: ['loss'], origin: 'sh -c' }).script;
      const out = await run(['bash', '-c', script], {
        KATIB_TRIAL_NAME: 'sdk',
        KATIB_DB_MANAGER_HTTP_ADDRESS: dbm.http,
      });
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, 'epoch 0:\nepoch 1:\nepoch 2:\n');
      assert.deepEqual(await dbm.stored('sdk'), [
        ['loss', '0.5'],
        ['loss', '0.25'],
        ['loss', '0.16666666666666666'],
      ]);
    });
  });
});

describe('runtime shims: unmodified code, metrics pushed as printed', () => {
  let dbm: TestDbManager;
  before(async () => {
    dbm = await startTestDbManager();
  });
  after(() => dbm.close());
  const env = (trial: string, extra: Record<string, string> = {}): Record<string, string> => ({
    KATIB_TRIAL_NAME: trial,
    KATIB_DB_MANAGER_HTTP_ADDRESS: dbm.http,
    KATIB_METRIC_NAMES: 'loss,accuracy',
    ...extra,
  });

  it('Python sitecustomize: lines with metrics push, the rest still prints, computed names too', async () => {
    const code = [
      'import sys',
      'for step in range(2):',
      '    print(f"step {step}: loss={0.5 / (step + 1)}")',
      '    print("loss=", 0.1, "note")',
      'for k, v in {"accuracy": 0.75, "lr": 0.1}.items():',
      '    print(f"{k}={v}")',
      'sys.stderr.write("accuracy=0.8")',
    ].join('\n');
    const out = await run(['python3', '-c', code], env('shim-py', { PYTHONPATH: pythonInjectDir() }));
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'step 0:\nnote\nstep 1:\nnote\nlr=0.1\n');
    assert.equal(out.stderr, '');
    assert.deepEqual(await dbm.stored('shim-py'), [
      ['loss', '0.5'],
      ['loss', '0.1'],
      ['loss', '0.25'],
      ['loss', '0.1'],
      ['accuracy', '0.75'],
      ['accuracy', '0.8'],
    ]);
  });

  it('Node --import preload: console and stdout writes push, the rest still prints', async () => {
    const preload = path.join(dbm.dir, 'katib-preload.mjs');
    writeFileSync(preload, nodeShimSource());
    const code = [
      'for (let step = 0; step < 2; step++) console.log(`step ${step}: loss=${0.5 / (step + 1)}`);',
      "process.stdout.write('loss=');",
      "process.stdout.write('0.1 tail\\n');",
      "console.error('accuracy=0.9');",
      'process.exit(0);',
    ].join('\n');
    const out = await run(
      ['node', '-e', code],
      env('shim-node', { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` }),
    );
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'step 0:\nstep 1:\ntail\n');
    assert.equal(out.stderr, '');
    assert.deepEqual(await dbm.stored('shim-node'), [
      ['loss', '0.5'],
      ['loss', '0.25'],
      ['loss', '0.1'],
      ['accuracy', '0.9'],
    ]);
  });
});
