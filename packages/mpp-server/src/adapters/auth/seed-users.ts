import type { ConfigUser } from '../../config.ts';
import { createCustomer } from '../../customers.ts';
import type { Clock } from '../../ports.ts';
import { upsertUser } from '../db/app-repository.ts';
import type { DbHandle } from '../db/open.ts';
import { hashPassword } from './password.ts';

/**
 * Creates the configured wallet app users at start: their customer (and wallets) if missing, and the
 * login with the password hashed (scrypt, fresh salt) or the configured hash as is. Re-running is harmless.
 */
export async function seedUsers(store: DbHandle, clock: Clock, users: readonly ConfigUser[]): Promise<void> {
  for (const user of users) {
    await createCustomer({ store, clock }, { customerId: user.customerId, currencies: user.currencies });
    const passwordHash = user.passwordHash ?? (await hashPassword(user.password ?? ''));
    await upsertUser(
      store.db,
      { username: user.username, passwordHash, customerId: user.customerId },
      clock.nowMs(),
    );
  }
}
