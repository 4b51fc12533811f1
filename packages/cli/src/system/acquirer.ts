import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { getText, type Iso8583Message } from '@tapkit/emv';
import type { Clock } from '@tapkit/protocol';
import type { NetworkExchangeResult } from '@tapkit/terminal';
import type { SystemJournal } from './journal.ts';

// The acquirer's host, as far as `tapkit up` needs one: every POS message goes through the acquirer
// gateway, and this capture log keeps what the network approved (0110 00 with its trace id, DE63) and
// what a reversal left of it (DE95), so that at the end of the day the acquirer can present each approved
// authorization for clearing, for the amount still standing. (tapkit) A real acquirer captures from its
// own batch; the browser POS keeps its journal in the page, so the host side keeps this copy.

export interface Capture {
  readonly networkTraceId: string;
  readonly kind: 'PURCHASE' | 'REFUND';
  readonly amountMinor: bigint;
  /** What stays approved after reversals; 0 after a full reversal. */
  readonly remainingMinor: bigint;
  readonly currencyNumeric: string;
  readonly stan: string;
  readonly transmissionDateTime: string;
  readonly rrn: string;
  readonly atMs: number;
  readonly presented: boolean;
}

type CaptureJson = Omit<Capture, 'amountMinor' | 'remainingMinor'> & {
  amountMinor: string;
  remainingMinor: string;
};

export class AcquirerCaptureLog {
  /** Captures kept; the oldest presented ones go first beyond it. */
  static readonly captureCountMax = 10_000;
  private captures: Capture[] = [];
  /** When each message in flight left, by terminal id, STAN and DE7; bounded by the gateway's in-flight limit. */
  private readonly sentAtMs = new Map<string, number>();
  static readonly inFlightKeptMax = 1_024;

  /** `path`: a JSON file that keeps the captures across restarts; undefined keeps them in memory. */
  constructor(
    private readonly clock: Clock,
    private readonly journal: SystemJournal,
    private readonly path: string | undefined,
  ) {
    if (path !== undefined && existsSync(path)) {
      const json = JSON.parse(readFileSync(path, 'utf8')) as CaptureJson[];
      this.captures = json.map((c) => ({
        ...c,
        amountMinor: BigInt(c.amountMinor),
        remainingMinor: BigInt(c.remainingMinor),
      }));
    }
  }

  /** The acquirer gateway's listener for a message leaving: notes the time for the journal. */
  forwarding(request: Iso8583Message): void {
    if (this.sentAtMs.size >= AcquirerCaptureLog.inFlightKeptMax) this.sentAtMs.clear();
    this.sentAtMs.set(keyOf(request), this.clock.nowMs());
  }

  /** The acquirer gateway's listener: records approvals and reversals, journals every exchange. */
  observe(request: Iso8583Message, result: NetworkExchangeResult): void {
    const answer = result.ok ? result.value : undefined;
    const responseCode = answer === undefined ? undefined : getText(answer, 39);
    const networkTraceId = answer === undefined ? undefined : textOrUndefined(answer, 63);
    const nowMs = this.clock.nowMs();
    const sentAtMs = this.sentAtMs.get(keyOf(request)) ?? nowMs;
    this.sentAtMs.delete(keyOf(request));
    const detail = {
      stan: getText(request, 11),
      rrn: getText(request, 37),
      processingCode: getText(request, 3),
      amountMinor: getText(request, 4),
      currencyNumeric: getText(request, 49),
    };
    const trace = networkTraceId === undefined ? {} : { networkTraceId };
    this.journal.add({ atMs: sentAtMs, party: 'ACQUIRER', step: `${request.mti} sent`, ...trace, detail });
    this.journal.add({
      atMs: nowMs,
      party: 'ACQUIRER',
      step:
        answer === undefined ? `no answer: ${result.ok ? '' : result.error.code}` : `${answer.mti} received`,
      ...trace,
      detail: { ...detail, responseCode },
    });
    if (answer === undefined || responseCode !== '00') return;
    if (request.mti === '0100' && networkTraceId !== undefined) this.captureApproval(request, networkTraceId);
    if (request.mti === '0400' || request.mti === '0420') this.applyReversal(request);
  }

  unpresented(): Capture[] {
    return this.captures.filter((c) => !c.presented && c.remainingMinor > 0n);
  }

  find(networkTraceId: string): Capture | undefined {
    return this.captures.find((c) => c.networkTraceId === networkTraceId);
  }

  markPresented(networkTraceId: string): void {
    this.update(networkTraceId, (c) => ({ ...c, presented: true }));
  }

  private captureApproval(request: Iso8583Message, networkTraceId: string): void {
    if (this.find(networkTraceId) !== undefined) return;
    const amountMinor = BigInt(getText(request, 4) ?? '0');
    this.captures.push({
      networkTraceId,
      kind: (getText(request, 3) ?? '').startsWith('20') ? 'REFUND' : 'PURCHASE',
      amountMinor,
      remainingMinor: amountMinor,
      currencyNumeric: getText(request, 49) ?? '',
      stan: getText(request, 11) ?? '',
      transmissionDateTime: getText(request, 7) ?? '',
      rrn: getText(request, 37) ?? '',
      atMs: this.clock.nowMs(),
      presented: false,
    });
    this.trim();
    this.save();
  }

  /** DE90 = original MTI ‖ STAN ‖ DE7 ‖ ...; DE95's first 12 digits = what stays approved (0 = nothing). */
  private applyReversal(request: Iso8583Message): void {
    const original = getText(request, 90) ?? '';
    const stan = original.slice(4, 10);
    const transmissionDateTime = original.slice(10, 20);
    const target = this.captures.find(
      (c) => c.stan === stan && c.transmissionDateTime === transmissionDateTime && !c.presented,
    );
    if (target === undefined) return;
    const replacement = BigInt((getText(request, 95) ?? '').slice(0, 12) || '0');
    const remainingMinor = replacement > 0n && replacement < target.amountMinor ? replacement : 0n;
    this.update(target.networkTraceId, (c) => ({ ...c, remainingMinor }));
  }

  private update(networkTraceId: string, change: (capture: Capture) => Capture): void {
    this.captures = this.captures.map((c) => (c.networkTraceId === networkTraceId ? change(c) : c));
    this.save();
  }

  private trim(): void {
    for (let i = 0; this.captures.length > AcquirerCaptureLog.captureCountMax && i < this.captures.length; ) {
      if (this.captures[i]?.presented === true) this.captures.splice(i, 1);
      else i++;
    }
  }

  /** Written whole and renamed into place, so a crash leaves the previous version, never half a file. */
  private save(): void {
    if (this.path === undefined) return;
    const json: CaptureJson[] = this.captures.map((c) => ({
      ...c,
      amountMinor: c.amountMinor.toString(),
      remainingMinor: c.remainingMinor.toString(),
    }));
    writeFileSync(`${this.path}.tmp`, JSON.stringify(json));
    renameSync(`${this.path}.tmp`, this.path);
  }
}

function keyOf(message: Iso8583Message): string {
  return `${getText(message, 41) ?? ''}|${getText(message, 11) ?? ''}|${getText(message, 7) ?? ''}`;
}

function textOrUndefined(message: Iso8583Message, field: number): string | undefined {
  const value = message.fields.get(field);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
