// What the system saw happen between the parties that no party stores for it to read back: the messages
// the acquirer gateway forwarded, the network's reversal and expiry events, the clearing files. The
// timeline endpoint merges these with the parties' own records. In memory and bounded: it explains the
// running system, it is not a book of record (each party keeps its own).

export interface JournalEvent {
  readonly atMs: number;
  /** The party that acted: ACQUIRER, MASTERCARD, ALIPAYPLUS, MPP. */
  readonly party: string;
  readonly step: string;
  readonly networkTraceId?: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export class SystemJournal {
  /** The oldest events are dropped beyond this. */
  static readonly eventCountMax = 20_000;
  private readonly events: JournalEvent[] = [];

  add(event: JournalEvent): void {
    this.events.push(event);
    if (this.events.length > SystemJournal.eventCountMax) this.events.shift();
  }

  /** Events naming the trace id, oldest first. */
  forTrace(networkTraceId: string): JournalEvent[] {
    return this.events.filter((event) => event.networkTraceId === networkTraceId);
  }

  /** The newest events that `match`, newest first, at most `limit`. */
  recent(match: (event: JournalEvent) => boolean, limit: number): JournalEvent[] {
    const out: JournalEvent[] = [];
    for (let index = this.events.length - 1; index >= 0 && out.length < limit; index--) {
      const event = this.events[index];
      if (event !== undefined && match(event)) out.push(event);
    }
    return out;
  }

  /** Events whose detail has `key` equal to `value` (a STAN, an RRN), oldest first. */
  where(key: string, value: unknown): JournalEvent[] {
    return this.events.filter((event) => event.detail[key] === value);
  }
}
