/** `katib create`, `katib get` and `katib delete`: KatibClient({address}) calls, printed. */
import { existsSync } from 'node:fs';
import { KatibClient } from '../sdk/index.js';
import { parseDbUrl } from '../store/index.js';
import { type CliContext, CliError, usageError } from './context.js';
import { experimentFromFile } from './experiment-file.js';
import { finalReport } from './experiment-output.js';
import { experimentsTable, trialsTable } from './manage-output.js';
import type { ServerFlags } from './server-address.js';

export interface ManageFlags extends ServerFlags {
  /** `katib get/delete --db`: a local database instead of the server. */
  db?: string;
}

export interface CreateFlags extends ManageFlags {
  filename: string;
}

const WHAT = ['experiments', 'experiment', 'trials'];

export async function runCreate(flags: CreateFlags, context: CliContext): Promise<void> {
  await withClient(flags, async (client, json) => {
    const experiment = await client.createExperiment(await experimentFromFile(flags.filename));
    context.stdout.write(
      json ? `${JSON.stringify(experiment, null, 2)}\n` : `experiment ${experiment.metadata.name} created\n`,
    );
  });
}

export async function runGet(
  what: string,
  name: string | undefined,
  flags: ManageFlags,
  context: CliContext,
): Promise<void> {
  if (!WHAT.includes(what)) throw usageError('get', what, `must be one of ${WHAT.join(', ')}`);
  if (what === 'experiments' && name !== undefined)
    throw usageError('get experiments', name, 'takes no name (use: get experiment NAME)');
  if (what !== 'experiments' && name === undefined)
    throw new CliError(`get ${what}: the experiment's name is required (katib get ${what} NAME)`, 2);
  await withClient(flags, async (client, json) => {
    const out = (value: unknown, text: () => string) =>
      context.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());
    if (what === 'experiments') {
      const experiments = await client.listExperiments();
      out(experiments, () => experimentsTable(experiments));
    } else if (what === 'experiment') {
      const experiment = await client.getExperiment(name!);
      const trials = json ? [] : await client.listTrials(name!);
      out(experiment, () => finalReport(experiment, trials));
    } else {
      const experiment = await client.getExperiment(name!);
      const trials = await client.listTrials(name!);
      out(trials, () => trialsTable(experiment, trials));
    }
  });
}

export async function runDelete(name: string, flags: ManageFlags, context: CliContext): Promise<void> {
  await withClient(flags, async (client, json) => {
    await client.deleteExperiment(name);
    context.stdout.write(
      json ? `${JSON.stringify({ name, deleted: true })}\n` : `experiment ${name} deleted\n`,
    );
  });
}

async function withClient(
  flags: ManageFlags,
  fn: (client: KatibClient, json: boolean) => Promise<void>,
): Promise<void> {
  if (flags.db !== undefined) refuseMissingSqliteFile(flags.db);
  // With --db the client is embedded: it opens that database here, resumes nothing, and refuses
  // to delete an experiment another process is running (its lease).
  const client =
    flags.db !== undefined
      ? new KatibClient({ db: flags.db })
      : new KatibClient({
          address: flags.server,
          ...(flags.token !== undefined ? { token: flags.token } : {}),
          ...(flags.caFile !== undefined ? { caFile: flags.caFile } : {}),
        });
  try {
    await fn(client, flags.output === 'json');
  } finally {
    await client.close();
  }
}

/**
 * `get`/`delete --db sqlite:PATH` read what `katib run` wrote: a file that is not there is a typo,
 * not a new empty database to create (and then list as "No experiments").
 */
function refuseMissingSqliteFile(url: string): void {
  let config: ReturnType<typeof parseDbUrl>;
  try {
    config = parseDbUrl(url);
  } catch (err) {
    // parseDbUrl's message names --db and the value already.
    throw new CliError(err instanceof Error ? err.message : String(err), 2);
  }
  if (config.dialect === 'sqlite' && config.path !== ':memory:' && !existsSync(config.path))
    throw new CliError(`--db: no SQLite database at ${config.path} (katib run --db writes one there)`, 1);
}
