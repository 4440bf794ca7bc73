// BENCH_IMPL=grpc-js: the trial side of bench/push.ts on @grpc/grpc-js + protobuf-es instead of
// katib-ts/report's hand-written node:http2 client and encoder. The same surface the children
// use (reportMetrics, closeReportConnections, createMetricsReporter) with the same behaviour
// where it costs: one kept channel per address, an idempotency key per request, batches of up
// to 2,000 points sent one request at a time after at most 20 ms, report() false past 10,000
// queued points. No retries (the bench's DB manager does not fail).
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { credentials, Metadata, makeGenericClientConstructor } from '@grpc/grpc-js';
import { DBManager, ReportObservationLogRequestSchema } from '../../dist/gen/api/v1/beta1/api_pb.js';
import { grpcServiceDefinition } from '../../dist/rpc/grpc-js-definition.js';

const Client = makeGenericClientConstructor(grpcServiceDefinition(DBManager), 'DBManager');
const clients = new Map();

function clientFor(address) {
  let client = clients.get(address);
  if (client === undefined) {
    client = new Client(address, credentials.createInsecure());
    clients.set(address, client);
  }
  return client;
}

function send(address, trialName, metricLogs) {
  const request = create(ReportObservationLogRequestSchema, { trialName, observationLog: { metricLogs } });
  const metadata = new Metadata();
  metadata.set('katib-idempotency-key', randomUUID());
  return new Promise((resolve, reject) => {
    clientFor(address).reportObservationLog(request, metadata, (err) => (err ? reject(err) : resolve()));
  });
}

function logsOf(metrics) {
  const timeStamp = new Date().toISOString();
  return Object.entries(metrics).map(([name, value]) => ({
    timeStamp,
    metric: { name, value: String(value) },
  }));
}

export function reportMetrics(metrics, { trialName, dbManagerAddress }) {
  return send(dbManagerAddress, trialName, logsOf(metrics));
}

export async function closeReportConnections() {
  for (const client of clients.values()) client.close();
  clients.clear();
}

export function createMetricsReporter({ trialName, dbManagerAddress }) {
  const MAX_BATCH = 2_000;
  const LINGER_MS = 20;
  const HIGH_WATER = 10_000;
  let queue = [];
  let sending = false;
  let timer;
  let failure;
  let waiters = [];
  const settleWaiters = () => {
    if (sending || queue.length > 0) {
      const left = [];
      for (const w of waiters) queue.length < w.below ? w.resolve() : left.push(w);
      waiters = left;
      return;
    }
    for (const w of waiters) w.resolve();
    waiters = [];
  };
  const pump = () => {
    clearTimeout(timer);
    timer = undefined;
    if (sending || queue.length === 0) return;
    const batch = queue.length <= MAX_BATCH ? queue : queue.slice(0, MAX_BATCH);
    queue = queue.length <= MAX_BATCH ? [] : queue.slice(MAX_BATCH);
    sending = true;
    send(dbManagerAddress, trialName, batch).then(
      () => {
        sending = false;
        if (queue.length >= MAX_BATCH || waiters.some((w) => w.below === 0)) pump();
        else if (queue.length > 0) timer = setTimeout(pump, LINGER_MS);
        settleWaiters();
      },
      (err) => {
        failure = err;
        sending = false;
        for (const w of waiters) w.reject(err);
        waiters = [];
      },
    );
  };
  const wait = (below) =>
    new Promise((resolve, reject) => {
      if (failure) reject(failure);
      else waiters.push({ below, resolve, reject });
      settleWaiters();
    });
  return {
    report(metrics) {
      if (failure) throw failure;
      for (const log of logsOf(metrics)) queue.push(log);
      if (queue.length >= MAX_BATCH) pump();
      else if (timer === undefined && !sending) timer = setTimeout(pump, LINGER_MS);
      return queue.length < HIGH_WATER;
    },
    drain: () => wait(HIGH_WATER),
    flush() {
      pump();
      return wait(0);
    },
    async close() {
      await this.flush();
      await closeReportConnections();
    },
  };
}
