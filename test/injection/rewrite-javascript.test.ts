/**
 * JavaScript and TypeScript rewriting, as table tests (each shape, false positives), then
 * rewritten code run by node against a real DB manager, exit paths included.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rewriteSource } from '../../src/injection/index.js';
import { run, startTestDbManager, type TestDbManager } from './support.js';

const PRELUDE = /(\/\/ @ts-nocheck\n)?\/\/ katib-ts push client[\s\S]*\/\/ end of katib-ts push client\n/;

interface Case {
  name: string;
  code: string;
  typescript?: boolean;
  becomes?: string;
  left?: RegExp;
}

const CASES: Case[] = [
  {
    name: 'template literal',
    code: 'console.log(`loss=${loss}`);',
    becomes: '__katibPush.report("loss", loss);',
  },
  {
    name: 'template literal with other text',
    code: 'console.log(`epoch ${epoch}: loss=${loss.toFixed(4)} accuracy=${acc}`);',
    becomes: '__katibPush.report("loss", loss.toFixed(4), "accuracy", acc), console.log(`epoch ${epoch}:`);',
  },
  {
    name: 'concatenation',
    code: "console.info('loss=' + loss);",
    becomes: '__katibPush.report("loss", loss);',
  },
  {
    name: 'concatenation with other text',
    code: "console.log('loss=' + loss + ', step ' + step);",
    becomes: '__katibPush.report("loss", loss), console.log(`step ${step}`);',
  },
  {
    name: 'console arguments',
    code: "console.log('loss=', loss);",
    becomes: '__katibPush.report("loss", loss);',
  },
  {
    name: 'console arguments: others stay arguments',
    code: "console.log('epoch', epoch, 'loss=' + loss);",
    becomes: '__katibPush.report("loss", loss), console.log("epoch", epoch);',
  },
  {
    name: 'console format string',
    code: "console.info('loss=%s step %d', loss, step);",
    becomes: '__katibPush.report("loss", loss), console.info(`step ${Number(step)}`);',
  },
  {
    name: 'process.stdout.write',
    code: 'process.stdout.write(`loss=${loss}\\n`);',
    becomes: '__katibPush.report("loss", loss);',
  },
  {
    name: 'process.stderr.write as a value',
    code: "const ok = process.stderr.write('loss=' + loss + '\\n');",
    becomes: 'const ok = (__katibPush.report("loss", loss), true);',
  },
  {
    name: 'in an arrow function',
    code: 'const show = (l) => console.log(`loss=${l} more`);',
    becomes: 'const show = (l) => (__katibPush.report("loss", l), console.log("more"));',
  },
  {
    name: 'TypeScript',
    typescript: true,
    code: 'console.log(`loss=${(loss as number).toFixed(2)}`);',
    becomes: '__katibPush.report("loss", (loss as number).toFixed(2));',
  },
  { name: 'a comment', code: "// console.log('loss=1')" },
  { name: 'a string that is not printed', code: "const s = 'loss=1';" },
  { name: 'another metric name', code: 'console.log(`val_loss=${loss} lr=${lr}`);' },
  { name: 'another object', code: 'logger.log(`loss=${loss}`);' },
  { name: 'a computed name', code: 'console.log(`${k}=${v}`);', left: /computed at run time/ },
  {
    name: 'no name=value',
    code: "console.log('Training loss: ' + loss);",
    left: /not as the metrics format/,
  },
  { name: 'a spread', code: "console.log('loss=', ...values);", left: /\.\.\.args/ },
  { name: 'an unsupported console format', code: "console.log('loss=%o', loss);", left: /%o/ },
];

describe('JavaScript rewriting: statement shapes', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const result = rewriteSource(c.code, {
        language: c.typescript ? 'typescript' : 'javascript',
        metricNames: ['loss', 'accuracy'],
      });
      if (c.becomes !== undefined) {
        assert.equal(result.changed, true, JSON.stringify(result.report));
        assert.equal(result.source.replace(PRELUDE, ''), c.becomes);
      } else {
        assert.equal(result.changed, false, JSON.stringify(result.report));
        if (c.left)
          assert.match(result.report.notRewritten.map((r) => r.reasons.join(' ')).join(' '), c.left);
        else assert.deepEqual(result.report.notRewritten, []);
      }
    });
  }

  it('leaves code that pushes itself alone, and keeps the hashbang and directives first', () => {
    const pushes = "import { reportMetrics } from 'katib-ts/report';\nconsole.log(`loss=${1}`);\n";
    const left = rewriteSource(pushes, { language: 'javascript', metricNames: ['loss'] });
    assert.equal(left.changed, false);
    assert.match(left.report.notices.join(), /pushes metrics itself \(imports katib-ts\/report/);
    const code = "#!/usr/bin/env node\n'use strict';\nconsole.log(`loss=${1}`);\n";
    const out = rewriteSource(code, { language: 'javascript', metricNames: ['loss'] }).source;
    assert.ok(
      out.startsWith("#!/usr/bin/env node\n'use strict';\n// katib-ts push client"),
      out.slice(0, 80),
    );
  });
});

describe('JavaScript rewriting: the rewritten code runs and pushes', () => {
  let dbm: TestDbManager;
  before(async () => {
    dbm = await startTestDbManager();
  });
  after(() => dbm.close());
  const env = (trial: string): Record<string, string> => ({
    KATIB_TRIAL_NAME: trial,
    KATIB_DB_MANAGER_HTTP_ADDRESS: dbm.http,
  });

  it('stores every metric in print order and prints the rest (ES module, awaits between prints)', async () => {
    const program = [
      'for (let step = 1; step <= 3; step++) {',
      '  const loss = 1 / step;',
      '  console.log(`step ${step}: loss=${loss.toFixed(3)} accuracy=${1 - loss / 2}`);',
      '  await new Promise((r) => setTimeout(r, 20));',
      '}',
      "process.stdout.write('loss=' + 0.25 + '\\n');",
      "console.log('done');",
    ].join('\n');
    const rewritten = rewriteSource(program, { language: 'javascript', metricNames: ['loss', 'accuracy'] });
    const out = await run(['node', '--input-type=module', '-e', rewritten.source], env('js-run'));
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'step 1:\nstep 2:\nstep 3:\ndone\n');
    assert.deepEqual(await dbm.stored('js-run'), [
      ['loss', '1.000'],
      ['accuracy', '0.5'],
      ['loss', '0.500'],
      ['accuracy', '0.75'],
      ['loss', '0.333'],
      ['accuracy', '0.8333333333333334'],
      ['loss', '0.25'],
    ]);
  });

  it('sends what is queued when the program calls process.exit() (CommonJS)', async () => {
    const program = "for (let i = 0; i < 50; i++) console.log('loss=' + i);\nprocess.exit(0);";
    const rewritten = rewriteSource(program, { language: 'javascript', metricNames: ['loss'] });
    const out = await run(['node', '-e', rewritten.source], env('js-exit'));
    assert.equal(out.code, 0, out.stderr);
    assert.equal((await dbm.stored('js-exit')).length, 50);
  });

  it('fails the trial loudly (exit 1, a message) when the DB manager cannot be reached', async () => {
    const rewritten = rewriteSource("console.log('loss=' + 0.5);\nconsole.log('after');", {
      language: 'javascript',
      metricNames: ['loss'],
    });
    const out = await run(['node', '-e', rewritten.source], {
      KATIB_TRIAL_NAME: 'js-down',
      KATIB_DB_MANAGER_HTTP_ADDRESS: '127.0.0.1:9',
      KATIB_PUSH_TIMEOUT: '0.5',
    });
    assert.equal(out.code, 1);
    assert.equal(out.stdout, 'after\n');
    assert.match(out.stderr, /metrics could not be pushed to http:\/\/127\.0\.0\.1:9/);
  });
});
