// `katib server` serves the dashboard on its HTTP port: read-only unless started with --ui-write.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CliProcess } from '../cli/spawn-cli.js';

async function serve(dir: string, extra: string[]): Promise<{ cli: CliProcess; url: string }> {
  const cli = new CliProcess([
    'server',
    '--listen',
    '127.0.0.1:0',
    '--http-listen',
    '127.0.0.1:0',
    '--db',
    `sqlite:${path.join(dir, 'katib.db')}`,
    '--work-dir',
    path.join(dir, 'work'),
    ...extra,
  ]);
  const ready = await cli.waitForLog('katib server ready', 30_000);
  return { cli, url: String(ready.dashboard) };
}

describe('katib server: the dashboard', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const [name, flags, writable] of [
    ['read-only by default', [], false],
    ['writable with --ui-write', ['--ui-write'], true],
  ] as const) {
    it(name, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'katib-server-ui-'));
      dirs.push(dir);
      const { cli, url } = await serve(dir, [...flags]);
      try {
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
        const page = await fetch(url);
        assert.equal(page.status, 200);
        const html = await page.text();
        assert.match(html, new RegExp(`"writable":${writable}`));
        const list = await fetch(`${url}api/experiments`);
        assert.equal(list.status, 200);
        const del = await fetch(`${url}api/experiments/none`, {
          method: 'DELETE',
          headers: { 'x-katib-dashboard': '1' },
        });
        assert.equal(del.status, writable ? 404 : 403);
      } finally {
        cli.kill('SIGTERM');
        const exit = await cli.exited;
        assert.equal(exit.code, 0, cli.stderr);
      }
    });
  }
});
