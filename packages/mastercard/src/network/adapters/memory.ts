import type { Iso8583Message } from '@tapkit/emv';
import type { AtcLedger, AtcRecordOutcome } from '../../ports.ts';
import type { AdviceStore, AuthorizationEntry, AuthorizationLog, StoredAdvice } from '../ports.ts';

// In-process stores. The authorization log is bounded: the oldest entries go first, which is fine
// because reversals and incrementals come within the authorization's validity (at most weeks) and
// the bound is sized far above that traffic in tests and demos.

export class InMemoryAuthorizationLog implements AuthorizationLog {
  private readonly byTraceId = new Map<string, AuthorizationEntry>();
  private readonly byAcquirerKey = new Map<string, AuthorizationEntry>();

  constructor(private readonly entriesMax = 1_000_000) {}

  async save(entry: AuthorizationEntry): Promise<void> {
    if (this.byTraceId.size >= this.entriesMax) {
      const oldest = this.byTraceId.values().next().value;
      if (oldest !== undefined) {
        this.byTraceId.delete(oldest.networkTraceId);
        this.byAcquirerKey.delete(oldest.acquirerKey);
      }
    }
    this.byTraceId.set(entry.networkTraceId, entry);
    this.byAcquirerKey.set(entry.acquirerKey, entry);
  }

  async findByTraceId(networkTraceId: string): Promise<AuthorizationEntry | undefined> {
    return this.byTraceId.get(networkTraceId);
  }

  async findByAcquirerKey(acquirerKey: string): Promise<AuthorizationEntry | undefined> {
    return this.byAcquirerKey.get(acquirerKey);
  }
}

/** The ATC ledger for unit tests; production uses KyselyAtcLedger. */
export class InMemoryAtcLedger implements AtcLedger {
  private readonly seen = new Map<string, Set<number>>();

  async record(input: { tokenUniqueReference: string; atc: number }): Promise<AtcRecordOutcome> {
    const atcs = this.seen.get(input.tokenUniqueReference) ?? new Set<number>();
    this.seen.set(input.tokenUniqueReference, atcs);
    if (atcs.has(input.atc)) return 'DUPLICATE';
    atcs.add(input.atc);
    return 'RECORDED';
  }

  async list(tokenUniqueReference: string, limit: number): Promise<number[]> {
    return [...(this.seen.get(tokenUniqueReference) ?? [])].sort((a, b) => a - b).slice(0, limit);
  }
}

export class InMemoryAdviceStore implements AdviceStore {
  private readonly advices = new Map<string, { advice: StoredAdvice; acknowledged: boolean }>();

  async add(advice: { adviceId: string; message: Iso8583Message }): Promise<void> {
    this.advices.set(advice.adviceId, {
      advice: { adviceId: advice.adviceId, message: advice.message, attemptCount: 0 },
      acknowledged: false,
    });
  }

  async recordAttempt(adviceId: string): Promise<void> {
    const current = this.advices.get(adviceId);
    if (current !== undefined) {
      current.advice = { ...current.advice, attemptCount: current.advice.attemptCount + 1 };
    }
  }

  async acknowledge(adviceId: string): Promise<void> {
    const current = this.advices.get(adviceId);
    if (current !== undefined) current.acknowledged = true;
  }

  async pending(limit: number): Promise<StoredAdvice[]> {
    return [...this.advices.values()]
      .filter((entry) => !entry.acknowledged)
      .slice(0, limit)
      .map((entry) => entry.advice);
  }
}
