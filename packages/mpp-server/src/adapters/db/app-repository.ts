import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

// SQL for the wallet app's login: users (seeded from configuration) and sessions (stored by the SHA-256 of
// the token, so a leaked database does not hand out live sessions).

export interface UserRow {
  readonly username: string;
  readonly passwordHash: string;
  readonly customerId: string;
}

export interface SessionRow {
  readonly username: string;
  readonly customerId: string;
  readonly expiresAtMs: number;
}

/** Expired sessions deleted per login, so cleanup stays a bounded side job. */
const expiredSessionsPerSweepMax = 100;

export async function upsertUser(db: Kysely<Database>, user: UserRow, nowMs: number): Promise<void> {
  await db
    .insertInto('users')
    .values({
      username: user.username,
      password_hash: user.passwordHash,
      customer_id: user.customerId,
      created_at_ms: nowMs,
    })
    .onConflict((oc) =>
      oc.column('username').doUpdateSet({ password_hash: user.passwordHash, customer_id: user.customerId }),
    )
    .execute();
}

export async function findUser(db: Kysely<Database>, username: string): Promise<UserRow | undefined> {
  const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  return row === undefined
    ? undefined
    : { username: row.username, passwordHash: row.password_hash, customerId: row.customer_id };
}

export async function insertSession(
  db: Kysely<Database>,
  p: { tokenHash: string; username: string; customerId: string; nowMs: number; expiresAtMs: number },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: p.tokenHash,
      username: p.username,
      customer_id: p.customerId,
      expires_at_ms: p.expiresAtMs,
      created_at_ms: p.nowMs,
    })
    .execute();
}

/** The live session for a token hash, or undefined when unknown or expired. */
export async function findSession(
  db: Kysely<Database>,
  tokenHash: string,
  nowMs: number,
): Promise<SessionRow | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['username', 'customer_id', 'expires_at_ms'])
    .where('token_hash', '=', tokenHash)
    .where('expires_at_ms', '>', BigInt(nowMs))
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { username: row.username, customerId: row.customer_id, expiresAtMs: Number(row.expires_at_ms) };
}

export async function deleteSession(db: Kysely<Database>, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function sweepExpiredSessions(db: Kysely<Database>, nowMs: number): Promise<void> {
  const expired = db
    .selectFrom('sessions')
    .select('token_hash')
    .where('expires_at_ms', '<=', BigInt(nowMs))
    .limit(expiredSessionsPerSweepMax);
  await db.deleteFrom('sessions').where('token_hash', 'in', expired).execute();
}

/** Ends the user's oldest sessions beyond `keepMax` (newest first by creation time, then token hash). */
export async function trimUserSessions(
  db: Kysely<Database>,
  username: string,
  keepMax: number,
): Promise<void> {
  const kept = db
    .selectFrom('sessions')
    .select('token_hash')
    .where('username', '=', username)
    .orderBy('created_at_ms', 'desc')
    .orderBy('token_hash', 'desc')
    .limit(keepMax);
  await db
    .deleteFrom('sessions')
    .where('username', '=', username)
    .where('token_hash', 'not in', kept)
    .execute();
}
