import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { type ErrorCode, grpcStatusOf } from '../../src/api/errors.js';
import {
  closeReportConnections,
  InvalidMetricError,
  PushRejectedError,
  reportMetrics,
} from '../../src/sdk/report/index.js';
import { metricEntries } from '../../src/sdk/report/metric-values.js';
import { label, NAME_CASES, RETRY_CASES, VALUE_CASES } from '../cases/cases.js';

// The SDK report client (`katib-ts/report`) against the shared tables.
describe('reportMetrics values and names against test/cases', () => {
  for (const c of VALUE_CASES) {
    it(`value ${label(c.value)}: ${c.why}`, () => {
      if (c.sent) assert.deepEqual(metricEntries({ loss: c.value }), [['loss', c.value]]);
      else assert.throws(() => metricEntries({ loss: c.value }), InvalidMetricError);
      // A JavaScript number is sent as String(n), held to the same rule.
      if (c.number !== undefined && c.sent) {
        assert.deepEqual(metricEntries({ loss: c.number }), [['loss', String(c.number)]]);
      }
    });
  }
  it('value NaN (the number) is refused, as "NaN" is', () => {
    assert.throws(() => metricEntries({ loss: Number.NaN }), /metrics\.loss: NaN is not a number/);
  });
  for (const c of NAME_CASES) {
    it(`name ${label(c.name)}: ${c.why}`, () => {
      if (c.ok) assert.deepEqual(metricEntries({ [c.name]: 1 }), [[c.name, '1']]);
      else
        assert.throws(
          () => metricEntries({ [c.name]: 1 }),
          (err: unknown) => err instanceof InvalidMetricError && err.message.includes(c.problem!),
        );
    });
  }
});

/**
 * A gRPC server whose first answer is the case's (a status, a bare HTTP status as a proxy's, or a
 * dropped connection) and every later one OK. Resolves the attempts it saw.
 */
async function firstAnswerServer(answer: (typeof RETRY_CASES)[number]['answer']) {
  let attempts = 0;
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.resume();
    stream.on('end', () => {
      attempts++;
      if (attempts === 1 && answer.drop) {
        stream.session?.destroy();
      } else if (attempts === 1 && answer.code !== undefined) {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': String(grpcStatusOf(answer.code as ErrorCode)),
            'grpc-message': 'first answer',
          },
          { endStream: true },
        );
      } else if (attempts === 1) {
        stream.respond({ ':status': answer.http!, 'content-type': 'text/plain' }, { endStream: true });
      } else {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.alloc(5));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('reportMetrics retries against test/cases/retry.json', () => {
  for (const c of RETRY_CASES) {
    it(`${JSON.stringify(c.answer)}: ${c.why}`, async () => {
      const server = await firstAnswerServer(c.answer);
      try {
        const push = reportMetrics(
          { loss: 1 },
          { dbManagerAddress: server.address, trialName: 't', timeout: 10 },
        );
        if (c.retried) {
          await push;
          assert.equal(server.attempts(), 2);
        } else {
          await assert.rejects(push, PushRejectedError);
          assert.equal(server.attempts(), 1);
        }
      } finally {
        await closeReportConnections();
        await server.close();
      }
    });
  }
});
