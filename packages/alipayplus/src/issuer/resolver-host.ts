// What the inquiry resolver needs from the issuer processor: its lock per trace id, its background tasks
// and the settlement steps it shares with the synchronous flows. A port of its own, so the processor
// (which owns a resolver) and the resolver (which calls back into it) do not import each other.

import type { KeyedMutex } from '@tapkit/protocol';
import type { Tx } from './adapters/db/book.ts';
import type { MppCall, Plan } from './domain/types.ts';
import type { AuthorizationRecord } from './ports.ts';

type PayCall = Extract<MppCall, { api: 'pay' }>;

export interface ResolverHost {
  readonly locks: KeyedMutex;
  runInBackground(task: Promise<unknown>): void;
  settleSuccess(
    tx: Tx,
    trace: string,
    call: PayCall,
    plan: Plan,
    paymentId: string | undefined,
  ): Promise<void>;
  adviceDeclined(tx: Tx, auth: AuthorizationRecord, call: PayCall, plan: Plan, reason: string): Promise<void>;
  armExpiry(trace: string, expiresAtMs: number): void;
  payAdvice(trace: string, key: string, amountMinor: bigint): Promise<void>;
}
