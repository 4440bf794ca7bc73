const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Resolves on the first SIGTERM or SIGINT; a second one calls `onForce` (for an operator who does
 * not want to wait for the drain).
 */
export function shutdownSignal(onForce: (signal: NodeJS.Signals) => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals): void => {
      for (const s of SHUTDOWN_SIGNALS) {
        process.off(s, first);
        process.once(s, onForce);
      }
      resolve(signal);
    };
    for (const s of SHUTDOWN_SIGNALS) process.on(s, first);
  });
}
