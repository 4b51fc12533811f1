import type BetterSqlite3 from 'better-sqlite3';
import type { ControlledTransaction, Transaction } from 'kysely';
import { isRetryableConflict } from './errors.ts';
import type { DbHandle } from './open.ts';
import type { Database } from './schema.ts';

export type Tx = Transaction<Database>;

/** How often a transaction that lost a race (unique violation, deadlock) is run again. */
export const txAttemptCountMax = 4;

/**
 * Runs `work` in one transaction. A conflict with a concurrent transaction (PostgreSQL unique violation on
 * an idempotency key, deadlock, serialization failure) rolls back and runs `work` again, which then reads
 * what the winner stored. `work` must therefore be safe to re-run: it only decides from what it reads.
 */
export async function runTx<T>(handle: DbHandle, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle.db.transaction().execute(work);
    } catch (error) {
      if (attempt >= txAttemptCountMax || !isRetryableConflict(error)) throw error;
    }
  }
}

/** Runs a unit of work in a transaction and resolves only once it is durably committed. */
export type TxRunner = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

/** How many units of work share one SQLite commit (and so one fsync) at most. */
export const groupCommitBatchSizeMax = 128;

interface PendingWork {
  readonly work: (tx: Tx) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The transaction runner for the hot paths. PostgreSQL: one transaction per unit (runTx), concurrency
 * comes from the pool. SQLite: group commit. SQLite has one writer and, with synchronous=FULL, one fsync
 * per commit; better-sqlite3 is synchronous, so a lone commit blocks the process for the whole fsync.
 * Work that arrives in the same turn of the event loop is therefore queued and run in ONE transaction,
 * each unit inside its own savepoint (a unit that fails is rolled back alone and its caller gets the
 * error), and every caller is answered only after the shared commit. Units must use only the `tx` they
 * are given: the single SQLite connection is held by the batch.
 */
export function createTxRunner(handle: DbHandle, options: { batchSizeMax?: number } = {}): TxRunner {
  if (handle.engine !== 'sqlite') return (work) => runTx(handle, work);
  const batchSizeMax = options.batchSizeMax ?? groupCommitBatchSizeMax;
  const queue: PendingWork[] = [];
  let scheduled = false;
  const drain = async (): Promise<void> => {
    try {
      while (queue.length > 0) await commitBatch(handle, queue.splice(0, batchSizeMax));
    } finally {
      scheduled = false;
    }
  };
  return <T>(work: (tx: Tx) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        // setImmediate runs after the I/O callbacks of this loop turn: every request that arrived with
        // this one is queued by then and joins the batch.
        setImmediate(() => void drain());
      }
    });
}

async function commitBatch(handle: DbHandle, batch: readonly PendingWork[]): Promise<void> {
  const settled: Settled[] = [];
  let trx: ControlledTransaction<Database> | undefined;
  try {
    trx = await handle.db.startTransaction().execute();
    const savepoints = handle.native.engine === 'sqlite' ? savepointsOf(handle.native.database) : undefined;
    for (const pending of batch) {
      settled.push(
        savepoints === undefined
          ? await runIsolated(trx, pending.work)
          : await runInSavepoint(trx, savepoints, pending.work),
      );
    }
    await trx.commit().execute();
  } catch (error) {
    // The batch as a whole failed (begin, a savepoint command, or the commit): nothing of it is stored.
    if (trx !== undefined)
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
    for (const pending of batch) pending.reject(error);
    return;
  }
  batch.forEach((pending, index) => {
    const outcome = settled[index];
    if (outcome?.ok) pending.resolve(outcome.value);
    else pending.reject(outcome?.error);
  });
}

interface Savepoints {
  readonly open: () => void;
  readonly release: () => void;
  readonly rollback: () => void;
}

const savepointStatements = new WeakMap<BetterSqlite3.Database, Savepoints>();

/**
 * The savepoint commands as prepared statements: every unit of a batch opens and releases one, and
 * Kysely would build and compile each command afresh. They run on the connection the batch's
 * transaction holds (better-sqlite3 has only the one).
 */
function savepointsOf(database: BetterSqlite3.Database): Savepoints {
  let savepoints = savepointStatements.get(database);
  if (savepoints === undefined) {
    const open = database.prepare('savepoint unit');
    const release = database.prepare('release savepoint unit');
    const rollback = database.prepare('rollback to savepoint unit');
    savepoints = { open: () => open.run(), release: () => release.run(), rollback: () => rollback.run() };
    savepointStatements.set(database, savepoints);
  }
  return savepoints;
}

/** runIsolated with the prepared savepoint commands; the unit gets the batch's transaction itself. */
async function runInSavepoint(
  trx: ControlledTransaction<Database>,
  savepoints: Savepoints,
  work: (tx: Tx) => Promise<unknown>,
): Promise<Settled> {
  savepoints.open();
  try {
    const value = await work(trx);
    savepoints.release();
    return { ok: true, value };
  } catch (error) {
    savepoints.rollback();
    savepoints.release();
    return { ok: false, error };
  }
}

async function runIsolated(
  trx: ControlledTransaction<Database>,
  work: (tx: Tx) => Promise<unknown>,
): Promise<Settled> {
  const unit = await trx.savepoint('unit').execute();
  try {
    const value = await work(unit);
    await unit.releaseSavepoint('unit').execute();
    return { ok: true, value };
  } catch (error) {
    await unit.rollbackToSavepoint('unit').execute();
    await unit.releaseSavepoint('unit').execute();
    return { ok: false, error };
  }
}
