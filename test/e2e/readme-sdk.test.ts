/**
 * The README's "Tune from TypeScript" example, copied as a user would into a fresh project: a
 * CommonJS one (`npm init`'s package.json) and an ES module one (`"type": "module"`), each run
 * twice with tsx. Both runs exit 0 and print the best assignment; the second reads the stored
 * experiment without a stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from './cli.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const EXAMPLE = /## Tune from TypeScript\n\n```ts\n([\s\S]*?)```/.exec(README)?.[1];
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

describe("the README's SDK example", () => {
  const dir = mkdtempSync(join(tmpdir(), 'katib-readme-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['commonjs', 'module'] as const) {
    it(`runs twice in a ${kind} project`, async () => {
      assert.ok(EXAMPLE, 'the README has the example');
      const project = join(dir, kind);
      mkdirSync(join(project, 'node_modules'), { recursive: true });
      symlinkSync(ROOT, join(project, 'node_modules', 'katib-ts'));
      const pkg = {
        name: `readme-${kind}`,
        version: '1.0.0',
        ...(kind === 'module' ? { type: 'module' } : {}),
      };
      writeFileSync(join(project, 'package.json'), JSON.stringify(pkg));
      writeFileSync(join(project, 'tune.ts'), EXAMPLE);
      for (const round of [1, 2]) {
        const r = spawnSync(process.execPath, [TSX, 'tune.ts'], {
          cwd: project,
          encoding: 'utf8',
          timeout: 120_000,
        });
        assert.equal(r.status, 0, `run ${round}: ${r.stderr}`);
        assert.match(r.stdout, /name: 'a'/, `run ${round} prints the best assignment`);
        assert.doesNotMatch(r.stderr, /\n\s+at /, `run ${round} prints no stack trace`);
      }
    });
  }
});
