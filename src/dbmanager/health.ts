/** Something that answers a trivial query when the database is up (the store's `ping`). */
export interface Pingable {
  ping(): Promise<void>;
}

/**
 * Tells whether the database answers right now. A ping that takes longer than `timeoutMs` counts
 * as down, so a health check never hangs on a dead connection; concurrent checks share one ping.
 */
export class HealthProbe {
  readonly #db: Pingable;
  readonly #timeoutMs: number;
  #inFlight: Promise<boolean> | undefined;

  constructor(db: Pingable, timeoutMs = 2000) {
    this.#db = db;
    this.#timeoutMs = timeoutMs;
  }

  serving(): Promise<boolean> {
    this.#inFlight ??= this.#ping().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, this.#timeoutMs, false);
    });
    const answered = Promise.resolve()
      .then(() => this.#db.ping())
      .then(
        () => true,
        () => false,
      );
    try {
      return await Promise.race([answered, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
