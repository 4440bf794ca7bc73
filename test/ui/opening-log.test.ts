import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openingLog } from '../../src/ui/web/opening-log.js';

const tail = (text: string | null) => ({
  text,
  size: text === null ? 0 : Buffer.byteLength(text),
  truncated: false,
});

describe("the log a trial's page opens on", () => {
  it('stderr.log when stdout.log is empty or missing and stderr.log holds the error', () => {
    const error = 'Traceback (most recent call last):\nModuleNotFoundError: No module named torch\n';
    assert.equal(openingLog({ stdout: tail(''), stderr: tail(error) }), 'stderr');
    assert.equal(openingLog({ stdout: tail(null), stderr: tail(error) }), 'stderr');
  });

  it('stdout.log otherwise: when it has content, or when neither has', () => {
    assert.equal(openingLog({ stdout: tail('epoch 1 loss=0.3\n'), stderr: tail('warning\n') }), 'stdout');
    assert.equal(openingLog({ stdout: tail(''), stderr: tail('') }), 'stdout');
    assert.equal(openingLog({ stdout: tail(null), stderr: tail(null) }), 'stdout');
  });
});
