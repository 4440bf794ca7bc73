/**
 * Python rewriting, as table tests: each print shape the issue lists and the false positives that
 * must stay as they are; then rewritten code run by python3 against a real DB manager.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rewriteSource } from '../../src/injection/index.js';
import { run, startTestDbManager, type TestDbManager } from './support.js';

const PRELUDE = /# katib-ts push client[\s\S]*# end of katib-ts push client\n/;

interface Case {
  name: string;
  code: string;
  metrics?: string[];
  metricsFormat?: string[];
  /** The statement after rewriting; undefined: left as it was. */
  becomes?: string;
  /** Why it was left (for metric-like prints that are not rewritten). */
  left?: RegExp;
}

const CASES: Case[] = [
  { name: 'f-string', code: 'print(f"loss={loss}")', becomes: '_katib_push.report("loss", loss)' },
  {
    name: 'f-string with other text and format specs: the other text is still printed',
    code: 'print(f"epoch {epoch}: loss={loss:.4f} accuracy={acc!r}", flush=True)',
    metrics: ['loss', 'accuracy'],
    becomes:
      '_katib_push.report("loss", format(loss, ".4f"), "accuracy", repr(acc)); print(f"epoch {epoch}:", flush=True)',
  },
  { name: 'print arguments', code: 'print("loss=", loss)', becomes: '_katib_push.report("loss", loss)' },
  {
    name: '% formatting',
    code: 'print("loss=%f" % loss)',
    becomes: '_katib_push.report("loss", format(loss, "f"))',
  },
  {
    name: '% formatting with a tuple, text kept',
    code: 'print("loss=%.3f, step %d" % (loss, step))',
    becomes: '_katib_push.report("loss", format(loss, ".3f")); print(f"step {int(step)}")',
  },
  {
    name: 'logging.info with %s',
    code: 'logging.info("loss=%s", loss)',
    becomes: '_katib_push.report("loss", loss)',
  },
  {
    name: 'a logger, text kept',
    code: 'logger.warning(f"loss={loss} lr={lr}", exc_info=False)',
    becomes: '_katib_push.report("loss", loss); logger.warning(f"lr={lr}", exc_info=False)',
  },
  {
    name: 'sys.stdout.write',
    code: 'sys.stdout.write(f"loss={loss}\\n")',
    becomes: '_katib_push.report("loss", loss)',
  },
  {
    name: 'sys.stderr.write with concatenation',
    code: 'sys.stderr.write("loss=" + str(loss) + " done\\n")',
    becomes: '_katib_push.report("loss", str(loss)); sys.stderr.write("done\\n")',
  },
  {
    name: 'str.format',
    code: 'print("loss={:.2f} step {}".format(loss, step))',
    becomes: '_katib_push.report("loss", format(loss, ".2f")); print(f"step {step}")',
  },
  { name: 'a literal value', code: 'print("loss=0.5")', becomes: '_katib_push.report("loss", "0.5")' },
  {
    name: 'inside an if',
    code: 'if True: print(f"loss={loss}")',
    becomes: 'if True: _katib_push.report("loss", loss)',
  },
  {
    name: 'inside an expression',
    code: 'xs = [print(f"loss={l}", end="") for l in (1, 2)]',
    becomes: 'xs = [_katib_push.report("loss", l) for l in (1, 2)]',
  },
  {
    name: 'a custom metricsFormat',
    code: 'print(f"loss: {loss}")',
    metricsFormat: ['(\\w+):\\s*([+-]?[\\d.]+)'],
    becomes: '_katib_push.report("loss", loss)',
  },
  {
    name: 'a multi-line call keeps its line count',
    code: 'print(\n    f"loss={loss}",\n)',
    becomes: '_katib_push.report("loss", loss\n\n)',
  },
  // False positives: nothing metric-like is printed, or it is not a metric of the experiment.
  { name: 'a comment', code: '# print("loss=1")' },
  { name: 'a string that is not printed', code: 's = "loss=1"' },
  { name: 'another metric name', code: 'print(f"lr={lr} val_loss={loss}")' },
  { name: 'a print of no metric', code: 'print("training", step)' },
  { name: 'a method named print', code: 'doc.print(f"loss={loss}")' },
  // Metric-like, not rewritten, with the reason.
  { name: 'a computed name', code: 'print(f"{k}={v}")', left: /computed at run time/ },
  {
    name: 'no name=value',
    code: 'print("Training loss: %f" % loss)',
    left: /not as the metrics format reads it/,
  },
  { name: 'a value that is no number', code: 'print("loss=nan")', left: /is not a number/ },
  { name: 'printing to a file', code: 'print(f"loss={loss}", file=out)', left: /not to stdout or stderr/ },
  { name: '*args', code: 'print("loss=", *values)', left: /\*args/ },
  { name: 'a value mixing text and code', code: 'print(f"loss=0.{digits}")', left: /mixes text and code/ },
];

describe('Python rewriting: statement shapes', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const result = rewriteSource(c.code, {
        language: 'python',
        metricNames: c.metrics ?? ['loss'],
        ...(c.metricsFormat ? { metricsFormat: c.metricsFormat } : {}),
      });
      if (c.becomes !== undefined) {
        assert.equal(result.changed, true, JSON.stringify(result.report));
        assert.equal(result.source.replace(PRELUDE, ''), c.becomes);
        assert.equal(result.report.rewritten.length, 1);
        assert.equal(result.report.rewritten[0]!.line, 1);
      } else {
        assert.equal(result.changed, false);
        assert.equal(result.source, c.code);
        if (c.left) {
          assert.equal(result.report.notRewritten.length, 1, JSON.stringify(result.report));
          assert.match(result.report.notRewritten[0]!.reasons.join(' '), c.left);
        } else assert.deepEqual(result.report.notRewritten, []);
      }
    });
  }

  it('puts the client after the docstring and __future__ imports, and leaves code that pushes itself alone', () => {
    const code = '"""Doc."""\nfrom __future__ import annotations\nimport sys\nprint(f"loss={1}")\n';
    const out = rewriteSource(code, { language: 'python', metricNames: ['loss'] }).source;
    assert.ok(out.startsWith('"""Doc."""\nfrom __future__ import annotations\n# katib-ts push client'));
    const pushes = 'import katib_push\nprint(f"loss={1}")\n';
    const left = rewriteSource(pushes, { language: 'python', metricNames: ['loss'] });
    assert.equal(left.changed, false);
    assert.match(left.report.notices.join(), /pushes metrics itself/);
    const again = rewriteSource(out, { language: 'python', metricNames: ['loss'] });
    assert.equal(again.changed, false);
    assert.match(again.report.notices.join(), /already rewritten/);
  });

  it('refuses no metric names and a filter that does not compile', () => {
    assert.throws(() => rewriteSource('', { language: 'python', metricNames: [] }), /metricNames/);
    assert.throws(
      () => rewriteSource('', { language: 'python', metricNames: ['loss'], metricsFormat: ['(('] }),
      /metricsFormat/,
    );
  });
});

describe('Python rewriting: the rewritten code runs and pushes', () => {
  let dbm: TestDbManager;
  before(async () => {
    dbm = await startTestDbManager();
  });
  after(() => dbm.close());

  const program = [
    'import logging, sys',
    'logging.basicConfig(level=logging.INFO, format="%(message)s")',
    'for step in range(1, 4):',
    '    loss = 1.0 / step',
    '    print(f"step {step}: loss={loss:.3f} accuracy={1 - loss / 2}", flush=True)',
    '    logging.info("loss=%s", loss)',
    'sys.stdout.write("loss=" + str(0.25) + "\\n")',
    'print("done")',
  ].join('\n');

  it('stores every metric in print order and prints the rest', async () => {
    const rewritten = rewriteSource(program, { language: 'python', metricNames: ['loss', 'accuracy'] });
    assert.equal(rewritten.report.rewritten.length, 3);
    const out = await run(['python3', '-c', rewritten.source], {
      KATIB_TRIAL_NAME: 'py-run',
      KATIB_DB_MANAGER_HTTP_ADDRESS: dbm.http,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'step 1:\nstep 2:\nstep 3:\ndone\n');
    assert.equal(out.stderr, '');
    assert.deepEqual(await dbm.stored('py-run'), [
      ['loss', '1.000'],
      ['accuracy', '0.5'],
      ['loss', '1.0'],
      ['loss', '0.500'],
      ['accuracy', '0.75'],
      ['loss', '0.5'],
      ['loss', '0.333'],
      ['accuracy', '0.8333333333333334'],
      ['loss', '0.3333333333333333'],
      ['loss', '0.25'],
    ]);
  });

  it('fails the trial loudly (exit 1, a message) when the DB manager cannot be reached', async () => {
    const rewritten = rewriteSource('print(f"loss={0.5}")\nprint("after")', {
      language: 'python',
      metricNames: ['loss'],
    });
    const out = await run(['python3', '-c', rewritten.source], {
      KATIB_TRIAL_NAME: 'py-down',
      KATIB_DB_MANAGER_HTTP_ADDRESS: '127.0.0.1:9',
      KATIB_PUSH_TIMEOUT: '0.5',
    });
    assert.equal(out.code, 1);
    assert.equal(out.stdout, 'after\n');
    assert.match(out.stderr, /metrics could not be pushed to http:\/\/127\.0\.0\.1:9/);
  });

  it('fails at the first metric when it is not run as a trial', async () => {
    const rewritten = rewriteSource('print(f"loss={0.5}")', { language: 'python', metricNames: ['loss'] });
    const out = await run(['python3', '-c', rewritten.source]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /KATIB_TRIAL_NAME and KATIB_DB_MANAGER_HTTP_ADDRESS must be set/);
  });
});
