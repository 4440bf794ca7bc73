import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testDatabases } from '../support/databases.js';
import { runPushStorm } from './push-storm.js';

// "Nothing lost": a DB manager killed with SIGKILL mid-storm and restarted on the same port.
// Every point a trial saw acknowledged is stored, and none is stored twice, although calls in
// flight at the kill were retried (reportMetrics resends with the same idempotency key, and the
// DB manager stores a key once). Needs `npm run build` (the storm runs the built CLI and package).
const BUILT = fileURLToPath(new URL('../../dist/api/idempotency-key.js', import.meta.url));

for (const target of await testDatabases()) {
  describe(`DB manager killed during a push storm: ${target.label}`, { skip: target.skipReason }, () => {
    if (target.skipReason !== undefined) return;
    it('loses no acknowledged point and stores none twice', { timeout: 30_000 }, async () => {
      assert.ok(existsSync(BUILT), 'dist/ predates idempotency keys: run `npm run build` first');
      const result = await runPushStorm({
        dbUrl: target.url,
        trials: 16,
        lanes: 2,
        durationMs: 3_000,
        killAtMs: [700, 1_900],
        pushTimeoutSeconds: 20,
      });
      console.log(JSON.stringify(result));
      assert.equal(result.kills, 2);
      assert.deepEqual(result.failed, []);
      assert.ok(result.acknowledged > 0, 'no push was acknowledged');
      assert.equal(result.trialsAcknowledged, 16, 'some trial had no push acknowledged');
      assert.equal(result.lost, 0);
      assert.equal(result.duplicates, 0);
      assert.equal(result.stored, result.acknowledged);
    });
  });
}
