/**
 * The early stopping service reads finished trials' logs from the DB manager; with auth on, reads
 * need the operator token, which the service sends when given one (`katib earlystopping --token`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DbManagerReader } from '../../src/algorithm-services/index.js';
import { DbManagerAuth, type RunningDbManager, startDbManager } from '../../src/dbmanager/index.js';
import { type Database, openDatabase } from '../../src/store/index.js';

const OPERATOR = 'operator-token-for-the-reader-test';

describe('early stopping reads from a DB manager with auth on', () => {
  let dir: string;
  let db: Database;
  let manager: RunningDbManager;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'katib-es-auth-'));
    db = await openDatabase(`sqlite:${join(dir, 'katib.db')}`);
    const auth = new DbManagerAuth({
      secret: Buffer.from('a test secret of enough bytes'),
      operatorToken: OPERATOR,
    });
    manager = await startDbManager({ db, grpcListen: '127.0.0.1:0', httpListen: null, auth });
    await db.observations.report('t-1', [{ time: 1_700_000_000_000_000, name: 'acc', value: '0.5' }]);
  });
  after(async () => {
    await manager.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads with the operator token', async () => {
    const reader = new DbManagerReader(5000, OPERATOR);
    try {
      const logs = await reader.read(manager.grpcAddress, { trialName: 't-1', metricName: 'acc' });
      assert.deepEqual(
        logs.map((l) => l.value),
        ['0.5'],
      );
    } finally {
      reader.close();
    }
  });

  it('is refused without a token (unauthenticated) and with a trial token (permission_denied)', async () => {
    const plain = new DbManagerReader(5000);
    const trial = new DbManagerReader(
      5000,
      new DbManagerAuth({ secret: Buffer.from('a test secret of enough bytes') }).tokenFor('t-1'),
    );
    try {
      await assert.rejects(plain.read(manager.grpcAddress, { trialName: 't-1', metricName: 'acc' }), {
        code: 'unauthenticated',
      });
      await assert.rejects(trial.read(manager.grpcAddress, { trialName: 't-1', metricName: 'acc' }), {
        code: 'permission_denied',
      });
    } finally {
      plain.close();
      trial.close();
    }
  });
});
