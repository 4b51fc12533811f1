import type { Clock } from '@tapkit/protocol';

// What the MPP server's services need from the world. Adapters in src/adapters implement them; tests
// pass deterministic ones (VirtualClock, counterIds).

export type { Clock };

/** Fresh identifiers the MPP hands out (paymentId, refundId); unique, at most 64 characters. */
export interface IdSource {
  paymentId(): string;
  refundId(): string;
}

/** Where the services report unexpected errors (storage down, broken invariants) before answering U. */
export type ErrorSink = (error: unknown, context: { operation: string; key: string }) => void;
