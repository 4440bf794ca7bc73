import path from 'node:path';
import type { ObservationQuery } from '../api/observation.js';
import { formatRfc3339, parseRfc3339 } from '../api/time.js';
import { openKatib } from '../manager/index.js';
import type { KatibBackend, TrialMetricsQuery } from './backend.js';

export interface EmbeddedOptions {
  db: string;
  workDir: string;
  resume: boolean;
  /** Set: trials run as Kubernetes resources (KubernetesTrialRunner) instead of local processes. */
  kubernetes?: { namespace?: string };
}

/**
 * The embedded backend: openKatib in this process (the database, a DB manager on free loopback
 * ports that trials push to, local trial processes, one controller per experiment it owns). An
 * experiment another process owns (its lease) is neither resumed nor deleted here.
 */
export async function openEmbeddedBackend(options: EmbeddedOptions): Promise<KatibBackend> {
  const workRoot = path.resolve(options.workDir);
  const runner = options.kubernetes
    ? new (await import('../runner/kubernetes/index.js')).KubernetesTrialRunner(options.kubernetes)
    : undefined;
  const katib = await openKatib({
    db: options.db,
    workRoot,
    lease: { program: 'KatibClient' },
    ...(runner ? { runner } : {}),
  });
  const { manager } = katib;
  if (options.resume) {
    try {
      await manager.resumeAll();
    } catch (err) {
      await katib.close();
      throw err;
    }
  }
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
    close: () => katib.close(),
  };
}

function observationQuery(query: TrialMetricsQuery): ObservationQuery {
  const out: ObservationQuery = {};
  if (query.metricName) out.metricName = query.metricName;
  if (query.startTime) out.startTime = parseRfc3339(query.startTime, 'startTime');
  if (query.endTime) out.endTime = parseRfc3339(query.endTime, 'endTime');
  return out;
}
