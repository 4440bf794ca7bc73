/** A call's place in CallDeadlines. */
export interface CallDeadline {
  readonly at: number;
  readonly expire: () => void;
}

/**
 * One timer for the deadlines (`grpc-timeout`) of every call in flight. A report is answered in
 * a fraction of a millisecond and its deadline is seconds away (Katib's clients and ours send
 * one on every call), so a timer armed and cleared per call would be pure overhead: here a call
 * costs a Set insert and delete, and the timer is re-armed only for a deadline earlier than the
 * one it waits for. The timer never keeps the process alive.
 */
export class CallDeadlines {
  readonly #pending = new Set<CallDeadline>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  /** Calls `expire` once `timeoutMs` from now has passed, unless `clear`ed first. */
  add(timeoutMs: number, expire: () => void): CallDeadline {
    const deadline = { at: performance.now() + timeoutMs, expire };
    this.#pending.add(deadline);
    if (deadline.at < this.#timerAt) this.#arm(deadline.at);
    return deadline;
  }

  clear(deadline: CallDeadline): void {
    this.#pending.delete(deadline);
  }

  /** Forgets every deadline and stops the timer. */
  clearAll(): void {
    this.#pending.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#sweep(), Math.max(0, at - performance.now()));
    this.#timer.unref();
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const deadline of this.#pending) {
      if (deadline.at <= now) {
        this.#pending.delete(deadline);
        deadline.expire();
      } else if (deadline.at < next) next = deadline.at;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }
}
