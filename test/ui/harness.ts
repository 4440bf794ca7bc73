/**
 * Dashboard test helpers: the embedded composition (database, DB manager on free loopback ports)
 * with the dashboard mounted, a Server-Sent Events reader over fetch, and pushes through the DB
 * manager's HTTP JSON endpoint as a trial in any language would send them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalKatib, startLocalKatib } from '../../src/manager/index.js';
import { type Dashboard, type DashboardOptions, mountDashboard } from '../../src/ui/index.js';

export interface DashboardServer {
  katib: LocalKatib;
  dashboard: Dashboard;
  /** The dashboard's URL, ending in "/". */
  url: string;
  /** `http://host:port` of the DB manager's HTTP port. */
  origin: string;
  workRoot: string;
  close(): Promise<void>;
}

export async function startDashboardServer(
  dbUrl: string | undefined,
  options: Partial<Omit<DashboardOptions, 'db' | 'service'>> = {},
): Promise<DashboardServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'katib-ui-'));
  const workRoot = path.join(dir, 'work');
  const katib = await startLocalKatib({ db: dbUrl ?? `sqlite:${path.join(dir, 'katib.db')}`, workRoot });
  const dashboard = mountDashboard(katib.dbManager.httpRoutes!, {
    db: katib.db,
    service: katib.dbManager.service,
    workRoot,
    ...options,
  });
  const origin = `http://${katib.dbManager.httpAddress}`;
  return {
    katib,
    dashboard,
    url: dashboard.urlFor(katib.dbManager.httpAddress!),
    origin,
    workRoot,
    async close() {
      dashboard.close();
      await katib.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reports metrics for `trialName` through the DB manager's Connect JSON endpoint, as curl would. */
export async function pushJson(
  origin: string,
  trialName: string,
  metrics: Record<string, number | string>,
  time = new Date(),
): Promise<void> {
  const res = await fetch(`${origin}/api.v1.beta1.DBManager/ReportObservationLog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      trialName,
      observationLog: {
        metricLogs: Object.entries(metrics).map(([name, value]) => ({
          timeStamp: time.toISOString(),
          metric: { name, value: String(value) },
        })),
      },
    }),
  });
  if (!res.ok) throw new Error(`push failed: ${res.status} ${await res.text()}`);
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** A Server-Sent Events stream read with fetch: `next(name)` waits for the next event of that name. */
export class SseReader {
  readonly #controller = new AbortController();
  readonly #events: SseEvent[] = [];
  readonly #waiters: (() => void)[] = [];
  #ended = false;
  readonly status: Promise<number>;

  constructor(url: string) {
    this.status = (async () => {
      const res = await fetch(url, {
        signal: this.#controller.signal,
        headers: { accept: 'text/event-stream' },
      });
      void this.#read(res);
      return res.status;
    })();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves with the data of the next `name` event not yet taken; rejects after `timeoutMs`. */
  async next(name: string, timeoutMs = 5000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.#events.findIndex((e) => e.event === name);
      if (at >= 0) return this.#events.splice(at, 1)[0]!.data;
      if (this.#ended) throw new Error(`stream ended before a "${name}" event`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no "${name}" event within ${timeoutMs} ms; got ${JSON.stringify(this.#events.map((e) => e.event))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Events received and not taken, by name. */
  pending(): string[] {
    return this.#events.map((e) => e.event);
  }

  /** Resolves once the server has ended the stream. */
  async waitEnded(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) {
      if (Date.now() > deadline) throw new Error('stream still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.#controller.abort();
  }

  async #read(res: Response): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          this.#parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return;
    this.#events.push({ event, data: JSON.parse(data.join('\n')) });
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}
