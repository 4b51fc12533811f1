import { describe, expect, it } from 'vitest';
import { SystemJournal } from './journal.ts';
import { recentPayments } from './timeline.ts';

// The operations view's list of recent payments comes from the acquirer's answered exchanges in the
// system journal: newest first, bounded, purchases, refunds and reversals told apart.

function exchange(journal: SystemJournal, atMs: number, mti: string, rrn: string, processingCode: string) {
  const detail = { stan: '000001', rrn, processingCode, amountMinor: '000000001234', currencyNumeric: '344' };
  journal.add({ atMs, party: 'ACQUIRER', step: `${mti} sent`, networkTraceId: `T-${rrn}`, detail });
  const answer = `${mti.slice(0, 2)}${Number(mti.slice(2)) + 10}`;
  journal.add({
    atMs: atMs + 1,
    party: 'ACQUIRER',
    step: `${answer} received`,
    networkTraceId: `T-${rrn}`,
    detail: { ...detail, responseCode: '00' },
  });
}

describe('recent payments', () => {
  it('lists answered exchanges newest first, at most the limit', () => {
    const journal = new SystemJournal();
    exchange(journal, 1_000, '0100', '000000000001', '000000');
    exchange(journal, 2_000, '0100', '000000000002', '200000');
    exchange(journal, 3_000, '0400', '000000000003', '000000');
    journal.add({ atMs: 4_000, party: 'MASTERCARD', step: 'AUTHORIZATION_EXPIRED', detail: {} });
    const list = recentPayments(journal, 10);
    expect(list.map((p) => [p.rrn, p.mti, p.kind])).toEqual([
      ['000000000003', '0410', 'REVERSAL'],
      ['000000000002', '0110', 'REFUND'],
      ['000000000001', '0110', 'PURCHASE'],
    ]);
    expect(list[0]).toMatchObject({
      networkTraceId: 'T-000000000003',
      responseCode: '00',
      at: '1970-01-01T00:00:03.001Z',
    });
    expect(recentPayments(journal, 2)).toHaveLength(2);
  });

  it('leaves out an exchange that got no answer', () => {
    const journal = new SystemJournal();
    journal.add({ atMs: 1, party: 'ACQUIRER', step: 'no answer: TIMEOUT', detail: { rrn: '000000000009' } });
    expect(recentPayments(journal, 10)).toEqual([]);
  });
});
