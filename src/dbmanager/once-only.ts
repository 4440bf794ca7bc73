/**
 * The once-only rule for a trial's points (docs/injection.md "Explicit and automatic pushes"):
 * per trial and metric, once the trial has pushed the metric explicitly, katib-ts's automatic
 * captures of it (injected push code, runtime shims, pull collectors) are dropped, and the
 * automatic points stored before are deleted in the transaction that stores the first explicit
 * one. So the stored sequence of a metric is the explicit one whenever there is one, whatever mix
 * of processes and clients the trial used.
 *
 * Ordering within this process: a trial's first explicit point of a metric (a claim) waits for the
 * trial's writes in flight to commit, and the trial's later writes wait for the claim, so an
 * automatic point is either deleted by the claim or dropped after it. Two DB managers writing one
 * trial at once do not see each other's claims in flight (the marks are read once per trial).
 */
import type { MetricLog } from '../api/observation.js';
import type { PushOrigin } from '../api/push-origin.js';
import type { ExplicitMetrics } from '../store/explicit-metrics.js';

interface TrialGate {
  /** Writes of the trial in flight (through `write`). */
  writing: number;
  /** Called when `writing` drops to 0. */
  idle: (() => void)[];
  /** Set while a claim of the trial runs. */
  claim: Promise<void> | undefined;
}

/** What became of a report: whether anything was stored, and the points that were. */
export interface OnceOnlyResult {
  stored: boolean;
  logs: readonly MetricLog[];
}

export class OnceOnly {
  readonly #marks: ExplicitMetrics;
  readonly #gates = new Map<string, TrialGate>();

  constructor(marks: ExplicitMetrics) {
    this.#marks = marks;
  }

  /**
   * Stores `logs` by the rule: `write` stores points the ordinary way (and resolves false when
   * their idempotency key was recorded already); a first explicit point of a metric is stored by
   * the marks' claim instead. Automatic points of explicitly pushed metrics are left out.
   */
  async report(
    trialName: string,
    logs: readonly MetricLog[],
    origin: PushOrigin,
    idempotencyKey: string | undefined,
    write: (logs: readonly MetricLog[]) => Promise<boolean>,
  ): Promise<OnceOnlyResult> {
    for (;;) {
      const waiting = this.#gates.get(trialName)?.claim;
      if (waiting) {
        await waiting;
        continue;
      }
      const marked = await this.#marks.of(trialName);
      const gate = this.#gate(trialName);
      if (gate.claim) continue; // a claim began while the marks were read
      if (origin === 'automatic') {
        const kept = logs.filter((l) => !marked.has(l.name));
        if (kept.length === 0) return { stored: false, logs: kept };
        return { stored: await this.#tracked(trialName, gate, () => write(kept)), logs: kept };
      }
      const fresh = [...new Set(logs.map((l) => l.name))].filter((m) => !marked.has(m));
      if (fresh.length === 0)
        return { stored: await this.#tracked(trialName, gate, () => write(logs)), logs };
      return { stored: await this.#claim(trialName, gate, fresh, logs, idempotencyKey), logs };
    }
  }

  async #claim(
    trialName: string,
    gate: TrialGate,
    metrics: string[],
    logs: readonly MetricLog[],
    idempotencyKey: string | undefined,
  ): Promise<boolean> {
    let release!: () => void;
    gate.claim = new Promise((resolve) => {
      release = resolve;
    });
    try {
      if (gate.writing > 0) await new Promise<void>((resolve) => gate.idle.push(resolve));
      return await this.#marks.claim(trialName, metrics, logs, idempotencyKey);
    } finally {
      gate.claim = undefined;
      this.#drop(trialName, gate);
      release();
    }
  }

  async #tracked(trialName: string, gate: TrialGate, write: () => Promise<boolean>): Promise<boolean> {
    gate.writing++;
    try {
      return await write();
    } finally {
      if (--gate.writing === 0) for (const resolve of gate.idle.splice(0)) resolve();
      this.#drop(trialName, gate);
    }
  }

  #gate(trialName: string): TrialGate {
    let gate = this.#gates.get(trialName);
    if (gate === undefined) {
      gate = { writing: 0, idle: [], claim: undefined };
      this.#gates.set(trialName, gate);
    }
    return gate;
  }

  /** Gates are kept only while the trial has something in flight. */
  #drop(trialName: string, gate: TrialGate): void {
    if (gate.writing === 0 && gate.claim === undefined && this.#gates.get(trialName) === gate)
      this.#gates.delete(trialName);
  }
}
