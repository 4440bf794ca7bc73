import path from 'node:path';
import type { ObservationQuery } from '../api/observation.js';
import { formatRfc3339, parseRfc3339 } from '../api/time.js';
import { startLocalKatib } from '../controller/index.js';
import { ExperimentManager } from '../server/index.js';
import type { KatibBackend, TrialMetricsQuery } from './backend.js';

export interface EmbeddedOptions {
  db: string;
  workDir: string;
  resume: boolean;
  /** Set: trials run as Kubernetes resources (KubernetesTrialRunner) instead of local processes. */
  kubernetes?: { namespace?: string };
}

/**
 * The embedded backend: the database, a DB manager on free loopback ports (trials push to it),
 * local trial processes and one controller per running experiment, all in this process.
 */
export async function openEmbeddedBackend(options: EmbeddedOptions): Promise<KatibBackend> {
  const workRoot = path.resolve(options.workDir);
  const runner = options.kubernetes
    ? new (await import('../runner/kubernetes/index.js')).KubernetesTrialRunner(options.kubernetes)
    : undefined;
  const katib = await startLocalKatib({ db: options.db, workRoot, ...(runner ? { runner } : {}) });
  const manager = new ExperimentManager({ katib, workRoot });
  if (options.resume) await manager.resumeAll();
  return {
    createExperiment: (experiment) => manager.create(experiment),
    getExperiment: (name) => manager.get(name),
    listExperiments: () => manager.list(),
    editExperimentBudget: (name, budget) => manager.editBudget(name, budget),
    deleteExperiment: (name) => manager.delete(name),
    listTrials: (name) => manager.listTrials(name),
    getTrial: (name) => manager.getTrial(name),
    getTrialLogs: (name) => manager.trialLogs(name),
    async getTrialMetrics(name, query) {
      const logs = await manager.trialMetrics(name, observationQuery(query));
      return logs.map((l) => ({
        timeStamp: formatRfc3339(l.time),
        metric: { name: l.name, value: l.value },
      }));
    },
    onChange: (listener) => manager.onChange(listener),
    async close() {
      try {
        await manager.close();
      } finally {
        await katib.close();
      }
    },
  };
}

function observationQuery(query: TrialMetricsQuery): ObservationQuery {
  const out: ObservationQuery = {};
  if (query.metricName) out.metricName = query.metricName;
  if (query.startTime) out.startTime = parseRfc3339(query.startTime, 'startTime');
  if (query.endTime) out.endTime = parseRfc3339(query.endTime, 'endTime');
  return out;
}
