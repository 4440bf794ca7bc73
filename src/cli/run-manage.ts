/** `katib create`, `katib get` and `katib delete`: KatibClient({address}) calls, printed. */
import { KatibClient } from '../sdk/index.js';
import { type CliContext, CliError, usageError } from './context.js';
import { experimentFromFile } from './experiment-file.js';
import { finalReport } from './experiment-output.js';
import { experimentsTable, trialsTable } from './manage-output.js';
import type { ServerFlags } from './server-address.js';

export type ManageFlags = ServerFlags;

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
  const client = new KatibClient({
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
