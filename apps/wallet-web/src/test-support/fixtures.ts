import type { JournalEntry } from '@tapkit/terminal';
import type { PaymentView } from '../wallet/mpp-client.ts';

// Test data for wallet-web's component tests: a journal entry as the POS terminal writes one, and a
// history row as the MPP's app API answers one. The card number is a test PAN, never a real one.

export function journalEntry(overrides: Partial<JournalEntry> = {}): JournalEntry {
  const rrn = overrides.rrn ?? '433800000001';
  return {
    rrn,
    stan: rrn.slice(-6),
    kind: 'PURCHASE',
    amountMinor: 1234n,
    currencyCode: '344',
    card: { pan: '5413330000000019', expiryYymm: '3012', expiryYymmdd: '301231', psn: '00' },
    atMs: Date.UTC(2026, 11, 4, 10, 0, 0),
    request: { mti: '0100', fields: new Map([[41, 'TAPKIT01']]) },
    status: 'APPROVED',
    responseCode: '00',
    approvalCode: 'A1B2C3',
    refundedMinor: 0n,
    originalRrn: undefined,
    ...overrides,
  };
}

export function paymentView(overrides: Partial<PaymentView> = {}): PaymentView {
  return {
    paymentRequestId: 'PR-1',
    paymentId: 'P-1',
    status: 'SUCCESS',
    resultCode: 'SUCCESS',
    paymentAmount: { currency: 'HKD', value: '1234' },
    payToAmount: { currency: 'HKD', value: '1234' },
    refundedAmount: { currency: 'HKD', value: '0' },
    paymentTime: '2026-12-04T18:00:00+08:00',
    createdAt: '2026-12-04T18:00:00+08:00',
    customData: 'tap-0123456789abcdef',
    merchantName: 'Tapkit Demo Shop',
    ...overrides,
  };
}
