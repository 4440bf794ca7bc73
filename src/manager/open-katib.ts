/**
 * The one wiring point: `katib run`, `katib server`, the embedded KatibClient and the tests all put
 * katib-ts together here, the same way: the database, the DB manager, the runner and controllers
 * (startLocalKatib), the experiment manager with its leases over them, and the dashboard when asked.
 */
import type { Logger } from 'pino';
import type { ControllerEvent } from '../controller/index.js';
import type { Dashboard } from '../ui/index.js';
import type { LeaseSettings } from './experiment-leases.js';
import { ExperimentManager } from './experiment-manager.js';
import { type LocalKatib, type LocalKatibOptions, startLocalKatib } from './local-katib.js';

export interface KatibOptions extends LocalKatibOptions {
  /** Who runs the experiments (named to another owner of the database) and how long leases last. */
  lease: LeaseSettings;
  /**
   * The dashboard on the DB manager's HTTP port (none without one): read-only unless `writable`,
   * which lets it delete experiments. Default none.
   */
  dashboard?: { writable?: boolean };
  /** Every controller event, with the experiment it belongs to (server logs). */
  onEvent?: (experimentName: string, event: ControllerEvent) => void;
  logger?: Logger;
}

export interface Katib {
  /** The database, DB manager, runner and controller factory. */
  readonly parts: LocalKatib;
  readonly manager: ExperimentManager;
  /** The dashboard's URL, or null without one. */
  readonly dashboardUrl: string | null;
  /**
   * Stops the controllers (their running trials are resumed by the next owner), gives up the
   * leases, ends the dashboard's streams, drains the DB manager and closes the database. Idempotent.
   */
  close(): Promise<void>;
}

export async function openKatib(options: KatibOptions): Promise<Katib> {
  const { lease, dashboard: dashboardOptions, onEvent, ...localOptions } = options;
  const parts = await startLocalKatib(localOptions);
  let manager: ExperimentManager;
  let dashboard: Dashboard | undefined;
  try {
    manager = new ExperimentManager({
      katib: parts,
      workRoot: options.workRoot,
      lease,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(onEvent ? { onEvent } : {}),
    });
    if (dashboardOptions && parts.dbManager.httpRoutes) {
      // Loaded only when asked for: the SDK and `katib run` without --ui never pay for it.
      const { mountDashboard } = await import('../ui/index.js');
      const m = manager;
      dashboard = mountDashboard(parts.dbManager.httpRoutes, {
        db: parts.db,
        service: parts.dbManager.service,
        workRoot: options.workRoot,
        onChange: (listener) => m.onChange(listener),
        writable: dashboardOptions.writable ?? false,
        actions: { delete: (name) => m.delete(name) },
      });
    }
  } catch (err) {
    await parts.close();
    throw err;
  }
  const httpAddress = parts.dbManager.httpAddress;
  let closing: Promise<void> | undefined;
  return {
    parts,
    manager,
    dashboardUrl: dashboard && httpAddress ? dashboard.urlFor(httpAddress) : null,
    close() {
      closing ??= (async () => {
        try {
          // Open event streams would hold the HTTP drain for its whole timeout.
          dashboard?.close();
          await manager.close();
        } finally {
          await parts.close();
        }
      })();
      return closing;
    },
  };
}
