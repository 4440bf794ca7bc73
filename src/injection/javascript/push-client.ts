/**
 * The push client that code injection adds to JavaScript/TypeScript trial code and that the Node
 * runtime shim uses. It is written here for type checking but runs from its source text
 * (`katibPushClient.toString()`) inside trial processes, so it is self-contained: no imports, no
 * outer names, only Node's globals (fetch, process, performance; Node 18+).
 *
 * `report(name, value, name, value, ...)` queues points stamped with the time of the call; they
 * are sent at once, in batches of what queued meanwhile, to the DB manager's Connect JSON
 * endpoint (KATIB_DB_MANAGER_HTTP_ADDRESS) for KATIB_TRIAL_NAME, retrying as src/api/retry-policy.ts
 * says (connection errors, UNAVAILABLE, DEADLINE_EXCEEDED, 429/502/503/504 without a code) for
 * KATIB_PUSH_TIMEOUT seconds (default 60). Values and names follow src/api/metric-value.ts and
 * metric-name.ts (it cannot import them: test/cases/*.json hold it to them). A pending send keeps the process alive
 * until it is done; on process.exit() what is left is sent synchronously from a child process. A
 * push that fails for good is printed at once, makes the next report throw, and sets exit code 1.
 * With KATIB_TRIAL_TOKEN set it is sent as `authorization: Bearer`; with KATIB_DB_MANAGER_TLS=true
 * the endpoint is https:// (CA from NODE_EXTRA_CA_CERTS, which the controller sets with the CA).
 * Every batch carries an idempotency key (`katib-idempotency-key`), the same on every retry and
 * when process.exit() sends the batch in flight again, so the DB manager stores it once.
 */
export interface KatibPushClient {
  report(...pairs: unknown[]): void;
  /** Sends what is left synchronously; for 'exit' handlers (safe to call more than once). */
  flushSync(): void;
}

export function katibPushClient(): KatibPushClient {
  type Log = { timeStamp: string; metric: { name: string; value: string } };
  const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
  const INFINITY = /^[+-]?inf(?:inity)?$/i;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for
  const UNSTORABLE = /[\u0000\p{Cs}]/u;
  const queue: Log[] = [];
  const warned = new Set<string>();
  let sending: { logs: Log[]; key: string } | undefined;
  let failure: Error | undefined;
  let config: { trial: string; url: string; timeoutMs: number; token: string } | undefined;

  async function post(
    url: string,
    body: string,
    timeoutMs: number,
    token: string,
    key: string,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const retried = ['unavailable', 'deadline_exceeded'];
    let delay = 50;
    for (;;) {
      let last: string;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Connect-Protocol-Version': '1',
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
            'katib-idempotency-key': key,
            'katib-push-origin': 'automatic',
          },
          body,
          signal: AbortSignal.timeout(Math.max(1000, Math.min(30_000, deadline - Date.now()))),
        });
        const answer = await response.text();
        if (response.ok) return;
        let detail: { code?: string; message?: string } = {};
        try {
          detail = JSON.parse(answer);
        } catch {}
        last = `${detail.code ?? response.status}: ${detail.message ?? answer}`;
        const code =
          detail.code ?? ([429, 502, 503, 504].includes(response.status) ? 'unavailable' : 'unknown');
        if (!retried.includes(code))
          throw Object.assign(new Error(`the DB manager refused them (${last})`), { final: true });
      } catch (err) {
        if ((err as { final?: boolean }).final) throw err;
        last = String((err as { cause?: unknown }).cause ?? (err as Error).message ?? err);
      }
      // Jitter: trials cut off by one restart come back apart.
      const wait = delay * (0.5 + Math.random() / 2);
      if (Date.now() + wait > deadline) throw new Error(`no answer for ${timeoutMs / 1000}s (${last})`);
      await new Promise((resolve) => setTimeout(resolve, wait));
      delay = Math.min(delay * 2, 1000);
    }
  }

  function newKey(): string {
    // Node 18 has no global crypto without a flag: then a key that is unique enough for one trial.
    const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
    const random = () => Math.random().toString(36).slice(2, 12);
    return crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${random()}-${random()}`;
  }

  function stamp(): string {
    const ms = performance.timeOrigin + performance.now();
    const micros = String(Math.floor((ms % 1000) * 1000)).padStart(6, '0');
    return `${new Date(Math.floor(ms)).toISOString().slice(0, 19)}.${micros}Z`;
  }

  /**
   * The value's text when it is pushed (a decimal within float64 range or an infinity, never NaN,
   * at most 1,024 characters; a printed value is trimmed first, as the filter's \s* does) and the
   * name is storable (1 to 255 characters, no NUL or unpaired surrogate); else undefined, said once
   * per metric.
   */
  function text(name: string, value: unknown): string | undefined {
    let t: string;
    if (typeof value === 'number' || typeof value === 'bigint') t = String(value);
    else if (typeof value === 'string') t = value.trim();
    else t = String(value);
    const number = t.length <= 1024 && (DECIMAL.test(t) ? Number.isFinite(Number(t)) : INFINITY.test(t));
    const named = name !== '' && [...name].length <= 255 && !UNSTORABLE.test(name);
    if (number && named) return t;
    if (!warned.has(name)) {
      warned.add(name);
      const why = named ? 'is not a number' : 'has a name that cannot be stored';
      process.stderr.write(`katib: metric ${name}: ${JSON.stringify(t)} ${why}; not pushed\n`);
    }
    return undefined;
  }

  function setup(): NonNullable<typeof config> {
    const trial = process.env.KATIB_TRIAL_NAME;
    const address = process.env.KATIB_DB_MANAGER_HTTP_ADDRESS;
    if (!trial || !address)
      throw new Error(
        'katib: KATIB_TRIAL_NAME and KATIB_DB_MANAGER_HTTP_ADDRESS must be set: this code was rewritten by katib inject to push its metrics to the DB manager',
      );
    const tls = /^(?:true|1|yes|on)$/i.test((process.env.KATIB_DB_MANAGER_TLS ?? '').trim());
    const base = /^https?:\/\//.test(address) ? address : `${tls ? 'https' : 'http'}://${address}`;
    process.on('exit', flushSync);
    return {
      trial,
      url: `${base}/api.v1.beta1.DBManager/ReportObservationLog`,
      timeoutMs: Number(process.env.KATIB_PUSH_TIMEOUT || 60) * 1000,
      token: process.env.KATIB_TRIAL_TOKEN ?? '',
    };
  }

  const body = (logs: Log[]): string =>
    JSON.stringify({ trialName: config!.trial, observationLog: { metricLogs: logs } });

  async function pump(): Promise<void> {
    while (queue.length > 0 && !failure) {
      sending = { logs: queue.splice(0, 1000), key: newKey() };
      try {
        await post(config!.url, body(sending.logs), config!.timeoutMs, config!.token, sending.key);
      } catch (err) {
        failure = new Error(
          `katib: metrics could not be pushed to ${config!.url}: ${(err as Error).message}`,
        );
        process.stderr.write(`${failure.message}\n`);
        process.exitCode = 1;
      }
      sending = undefined;
    }
  }

  function flushSync(): void {
    if (failure) {
      process.exitCode = 1;
      return;
    }
    // The batch in flight goes again with its key (it may be stored already); the rest with a new one.
    const requests: { logs: Log[]; key: string }[] = [];
    if (sending) requests.push(sending);
    if (queue.length > 0) requests.push({ logs: queue.splice(0), key: newKey() });
    sending = undefined;
    const left = requests.reduce((n, r) => n + r.logs.length, 0);
    if (left === 0 || !config) return;
    const process_ = process as unknown as { getBuiltinModule?: (id: string) => unknown };
    const cp = (process_.getBuiltinModule?.('node:child_process') ??
      (typeof require === 'function' ? require('node:child_process') : undefined)) as
      | typeof import('node:child_process')
      | undefined;
    const fail = (why: string): void => {
      process.stderr.write(`katib: ${left} metric points were not pushed at exit: ${why}\n`);
      process.exitCode = 1;
    };
    if (!cp) {
      fail('no synchronous way to send them in this Node version');
      return;
    }
    const script = `const __name = (t) => t; let b = ''; process.stdin.on('data', (d) => { b += d; }).on('end', async () => { try { for (const [body, key] of JSON.parse(b)) await (${post})(${JSON.stringify(config.url)}, body, ${config.timeoutMs}, ${JSON.stringify(config.token)}, key); process.exit(0); } catch (e) { process.stderr.write(String(e.message)); process.exit(1); } });`;
    const done = cp.spawnSync(process.execPath, ['-e', script], {
      input: JSON.stringify(requests.map((r) => [body(r.logs), r.key])),
      encoding: 'utf8',
      timeout: config.timeoutMs + 5000,
      env: {
        PATH: process.env.PATH ?? '',
        ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
      },
    });
    if (done.status !== 0) fail(done.stderr || done.error?.message || `exit ${done.status}`);
  }

  return {
    report(...pairs: unknown[]): void {
      if (failure) throw failure;
      config ??= setup();
      const timeStamp = stamp();
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const name = String(pairs[i]);
        const value = text(name, pairs[i + 1]);
        if (value !== undefined) queue.push({ timeStamp, metric: { name, value } });
      }
      if (!sending && queue.length > 0) void pump();
    },
    flushSync,
  };
}
