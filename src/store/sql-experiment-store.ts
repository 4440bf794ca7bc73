import type { Kysely } from 'kysely';
import { currentCondition } from '../api/conditions.js';
import { KatibError } from '../api/errors.js';
import type { Experiment, ExperimentSpec, ExperimentStatus } from '../api/experiment.js';
import { TERMINAL_TRIAL_CONDITIONS, type Trial, type TrialConditionType } from '../api/trial.js';
import { storeError } from './db-errors.js';
import type { Dialect } from './db-url.js';
import type { ExperimentStore } from './experiment-store.js';
import type { ExperimentsTable, TrialsTable } from './schema.js';
import type { SqliteHandle } from './sqlite-connection.js';
import { SqliteExperimentWrites } from './sqlite-experiment-writes.js';

interface Tables {
  experiments: ExperimentsTable;
  trials: TrialsTable;
}

/**
 * ExperimentStore over the same Kysely connection as the observation logs. Experiments and trials
 * are kept as JSON documents (their Katib shape changes with Katib; a column per field would need
 * a migration each time) beside the few columns queries filter on: names, the trial's state and
 * its creation order (`id`). On SQLite (given its handle) the per-trial writes go through cached
 * prepared statements (SqliteExperimentWrites); everything else through Kysely.
 */
export class SqlExperimentStore implements ExperimentStore {
  readonly #db: Kysely<Tables>;
  readonly #dialect: Dialect;
  readonly #sqlite: SqliteExperimentWrites | undefined;

  // biome-ignore lint/suspicious/noExplicitAny: shares the Database's Kysely, typed with every table.
  constructor(db: Kysely<any>, dialect: Dialect, sqlite?: SqliteHandle) {
    this.#db = db as Kysely<Tables>;
    this.#dialect = dialect;
    this.#sqlite = sqlite ? new SqliteExperimentWrites(sqlite) : undefined;
  }

  async createExperiment(experiment: Experiment): Promise<void> {
    const name = experiment.metadata.name;
    try {
      await this.#db
        .insertInto('experiments')
        .values({ name, body: JSON.stringify(experiment), created_at: new Date().toISOString() })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new KatibError('already_exists', `experiment ${JSON.stringify(name)} already exists`);
      throw storeError(err, this.#dialect, 'createExperiment');
    }
  }

  async getExperiment(name: string): Promise<Experiment | undefined> {
    const row = await this.#run('getExperiment', () =>
      this.#db.selectFrom('experiments').select('body').where('name', '=', name).executeTakeFirst(),
    );
    return row ? (JSON.parse(row.body) as Experiment) : undefined;
  }

  async listExperiments(): Promise<Experiment[]> {
    const rows = await this.#run('listExperiments', () =>
      this.#db.selectFrom('experiments').select('body').orderBy('created_at').orderBy('name').execute(),
    );
    return rows.map((r) => JSON.parse(r.body) as Experiment);
  }

  async updateExperimentStatus(name: string, status: ExperimentStatus): Promise<void> {
    await this.#updateExperiment(name, 'updateExperimentStatus', (e) => ({ ...e, status }));
  }

  async updateExperimentSpec(name: string, spec: ExperimentSpec): Promise<void> {
    await this.#updateExperiment(name, 'updateExperimentSpec', (e) => ({ ...e, spec }));
  }

  async deleteExperiment(name: string): Promise<void> {
    const deleted = await this.#run('deleteExperiment', () =>
      this.#db.transaction().execute(async (trx) => {
        await trx.deleteFrom('trials').where('experiment_name', '=', name).execute();
        const r = await trx.deleteFrom('experiments').where('name', '=', name).executeTakeFirst();
        return Number(r.numDeletedRows);
      }),
    );
    if (deleted === 0) throw notFound('experiment', name);
  }

  async createTrial(trial: Trial): Promise<void> {
    try {
      const row = {
        name: trial.name,
        experimentName: trial.experimentName,
        state: stateOf(trial),
        body: JSON.stringify(trial),
      };
      if (this.#sqlite) return await this.#sqlite.insertTrial(row);
      await this.#db
        .insertInto('trials')
        .values({ name: row.name, experiment_name: row.experimentName, state: row.state, body: row.body })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new KatibError('already_exists', `trial ${JSON.stringify(trial.name)} already exists`);
      throw storeError(err, this.#dialect, 'createTrial');
    }
  }

  async getTrial(name: string): Promise<Trial | undefined> {
    const row = await this.#run('getTrial', () =>
      this.#db.selectFrom('trials').select('body').where('name', '=', name).executeTakeFirst(),
    );
    return row ? (JSON.parse(row.body) as Trial) : undefined;
  }

  async listTrials(experimentName: string): Promise<Trial[]> {
    const rows = await this.#run('listTrials', () =>
      this.#db
        .selectFrom('trials')
        .select('body')
        .where('experiment_name', '=', experimentName)
        .orderBy('id')
        .execute(),
    );
    return rows.map((r) => JSON.parse(r.body) as Trial);
  }

  async updateTrial(trial: Trial): Promise<void> {
    // One conditional UPDATE keeps "finished trials are immutable" atomic even with several
    // writers; when it changes nothing, a read tells which rule refused it.
    const state = stateOf(trial);
    const body = JSON.stringify(trial);
    const sqlite = this.#sqlite;
    const updated = await this.#run('updateTrial', async () =>
      sqlite
        ? sqlite.updateUnendedTrial(trial.name, state, body)
        : Number(
            (
              await this.#db
                .updateTable('trials')
                .set({ state, body })
                .where('name', '=', trial.name)
                .where('state', 'not in', TERMINAL_TRIAL_CONDITIONS as TrialConditionType[])
                .executeTakeFirst()
            ).numUpdatedRows,
          ),
    );
    if (updated > 0) return;
    const row = await this.#run('updateTrial', () =>
      this.#db
        .selectFrom('trials')
        .select(['state', 'body'])
        .where('name', '=', trial.name)
        .executeTakeFirst(),
    );
    if (!row) throw notFound('trial', trial.name);
    if ((TERMINAL_TRIAL_CONDITIONS as readonly string[]).includes(row.state)) {
      throw new KatibError(
        'failed_precondition',
        `trial ${JSON.stringify(trial.name)} has ended (${row.state}) and cannot change`,
      );
    }
    // MySQL reports 0 affected rows when the new values equal the stored ones: nothing to do.
  }

  async #updateExperiment(
    name: string,
    during: string,
    change: (e: Experiment) => Experiment,
  ): Promise<void> {
    const sqlite = this.#sqlite;
    if (sqlite) {
      const found = await this.#run(during, () =>
        sqlite.updateExperiment(name, (body) => JSON.stringify(change(JSON.parse(body) as Experiment))),
      );
      if (!found) throw notFound('experiment', name);
      return;
    }
    const done = await this.#run(during, () =>
      this.#db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('experiments')
          .select('body')
          .where('name', '=', name)
          .executeTakeFirst();
        if (!row) return false;
        const next = change(JSON.parse(row.body) as Experiment);
        await trx
          .updateTable('experiments')
          .set({ body: JSON.stringify(next) })
          .where('name', '=', name)
          .execute();
        return true;
      }),
    );
    if (!done) throw notFound('experiment', name);
  }

  async #run<T>(during: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw storeError(err, this.#dialect, during);
    }
  }
}

function stateOf(trial: Trial): TrialConditionType {
  return currentCondition(trial.conditions)?.type ?? 'Created';
}

function notFound(kind: string, name: string): KatibError {
  return new KatibError('not_found', `${kind} ${JSON.stringify(name)} does not exist`);
}

/** A primary-key or unique-index violation, in each driver's words. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown };
  return (
    (typeof e.code === 'string' &&
      (e.code.startsWith('SQLITE_CONSTRAINT') || e.code === '23505' || e.code === 'ER_DUP_ENTRY')) ||
    e.errno === 1062
  );
}
