/**
 * The admission webhook's HTTPS server: POST an AdmissionReview (any path, e.g. /mutate) and get
 * the answer; GET /healthz answers ok. Bodies over 8 MiB and bodies that are not JSON get HTTP 400.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { answerAdmissionReview } from './admission.js';
import type { WebhookOptions } from './pod-patch.js';

export interface WebhookServerOptions extends WebhookOptions {
  /** PEM certificate (chain) and private key. */
  cert: string | Buffer;
  key: string | Buffer;
  host: string;
  port: number;
}

export interface RunningWebhook {
  /** host:port it listens on (the port is the real one when 0 was asked). */
  readonly address: string;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

/** Starts the webhook server; resolves once it listens. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<RunningWebhook> {
  const server: Server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.method !== 'POST') {
      send(405, { error: 'katib-ts webhook: POST an admission.k8s.io/v1 AdmissionReview' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (size > MAX_BODY)
        return send(400, { error: `katib-ts webhook: the body is over ${MAX_BODY} bytes` });
      let review: unknown;
      try {
        review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        return send(400, { error: `katib-ts webhook: the body is not JSON (${(err as Error).message})` });
      }
      const answer = answerAdmissionReview(review, options);
      send(answer.status, answer.body);
    });
  });
  server.on('tlsClientError', () => {});
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const at = server.address() as AddressInfo;
  const host = at.family === 'IPv6' ? `[${at.address}]` : at.address;
  return {
    address: `${host}:${at.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
