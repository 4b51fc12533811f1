import { fixed, type Iso8583Spec, lllvar, llvar, makeSpec, text } from './spec.ts';

// Clearing records (tapkit, shaped after Mastercard IPM), ISO 8583:1993 formats. 1240 carries a
// first presentment, 1644 the file header and trailer. The reconciliation fields 74/76/86/88 hold
// the trailer's counts and totals (tapkit: their use in 1644; the formats are the 1993 ones).
export const iso8583v1993Clearing: Iso8583Spec = makeSpec('ISO 8583:1993 (Tapkit clearing)', '1', [
  { id: 2, name: 'Primary account number', kind: text('n'), length: llvar(19), mask: 'pan' },
  { id: 3, name: 'Processing code', kind: text('n'), length: fixed(6) },
  { id: 4, name: 'Amount, transaction', kind: text('n'), length: fixed(12) },
  { id: 12, name: 'Date and time, local transaction (YYMMDDhhmmss)', kind: text('n'), length: fixed(12) },
  { id: 14, name: 'Date, expiration (YYMM)', kind: text('n'), length: fixed(4), mask: 'all' },
  { id: 23, name: 'Card sequence number', kind: text('n'), length: fixed(3) },
  { id: 24, name: 'Function code', kind: text('n'), length: fixed(3) },
  { id: 31, name: 'Acquirer reference data (ARN)', kind: text('n'), length: llvar(23) },
  { id: 32, name: 'Acquiring institution identification code', kind: text('n'), length: llvar(11) },
  { id: 37, name: 'Retrieval reference number', kind: text('an'), length: fixed(12) },
  { id: 38, name: 'Approval code', kind: text('an'), length: fixed(6) },
  { id: 41, name: 'Card acceptor terminal identification', kind: text('ans'), length: fixed(8) },
  { id: 42, name: 'Card acceptor identification code', kind: text('ans'), length: fixed(15) },
  {
    id: 48,
    name: 'Additional data (tapkit subelements: file id, ...)',
    kind: { type: 'subelements' },
    length: lllvar(999),
  },
  { id: 49, name: 'Currency code, transaction', kind: text('n'), length: fixed(3) },
  {
    id: 63,
    name: 'Transaction life cycle id (tapkit: network trace id)',
    kind: text('ans'),
    length: lllvar(999),
  },
  { id: 71, name: 'Message number', kind: text('n'), length: fixed(8) },
  { id: 74, name: 'Credits, number (tapkit: refund count)', kind: text('n'), length: fixed(10) },
  { id: 76, name: 'Debits, number (tapkit: purchase count)', kind: text('n'), length: fixed(10) },
  { id: 86, name: 'Credits, amount (tapkit: refund total)', kind: text('n'), length: fixed(16) },
  { id: 88, name: 'Debits, amount (tapkit: purchase total)', kind: text('n'), length: fixed(16) },
]);

/** DE24 function codes used in clearing files (tapkit, after IPM). */
export const FUNCTION_CODE = {
  FIRST_PRESENTMENT: '200',
  FILE_HEADER: '697',
  FILE_TRAILER: '695',
} as const;
