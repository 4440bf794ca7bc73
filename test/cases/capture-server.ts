/**
 * A stand-in for the DB manager's Connect JSON endpoint for the HTTP push clients' case tests
 * (python/katib_push.py, the injected Python and JavaScript clients): records what each trial
 * pushed and, for trial `retry-<i>`, answers the first attempt as test/cases/retry.json's case i
 * says and every later one OK.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RETRY_CASES } from './cases.js';

export interface CaptureServer {
  /** host:port */
  address: string;
  /** `http://host:port` */
  url: string;
  /** [name, value] of every metric log pushed for `trial`, in order. */
  pushed(trial: string): Array<[string, string]>;
  /** How many requests arrived for `trial`. */
  attempts(trial: string): number;
  close(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const pushed = new Map<string, Array<[string, string]>>();
  const attempts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        trialName: string;
        observationLog: { metricLogs: Array<{ metric: { name: string; value: string } }> };
      };
      const trial = body.trialName;
      const n = (attempts.get(trial) ?? 0) + 1;
      attempts.set(trial, n);
      const retry = /^retry-(\d+)$/.exec(trial);
      const answer = retry && n === 1 ? RETRY_CASES[Number(retry[1])]!.answer : undefined;
      if (answer?.drop) {
        req.socket.destroy();
        return;
      }
      if (answer?.code !== undefined) {
        res.writeHead(answer.http!, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: answer.code, message: 'first answer' }));
        return;
      }
      if (answer?.http !== undefined) {
        res.writeHead(answer.http, { 'content-type': 'text/plain' });
        res.end('a proxy answers');
        return;
      }
      const logs = pushed.get(trial) ?? [];
      for (const log of body.observationLog.metricLogs) logs.push([log.metric.name, log.metric.value]);
      pushed.set(trial, logs);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    url: `http://${address}`,
    pushed: (trial) => pushed.get(trial) ?? [],
    attempts: (trial) => attempts.get(trial) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
