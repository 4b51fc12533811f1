import { fixed, type Iso8583Spec, lllvar, llvar, makeSpec, text } from './spec.ts';

// Authorization and network messages, ISO 8583:1987 formats. Fields marked (tapkit) carry content
// whose layout Tapkit decides; the formats themselves are the standard ones.
export const iso8583v1987: Iso8583Spec = makeSpec('ISO 8583:1987 (Tapkit authorization)', '0', [
  { id: 2, name: 'Primary account number', kind: text('n'), length: llvar(19), mask: 'pan' },
  { id: 3, name: 'Processing code', kind: text('n'), length: fixed(6) },
  { id: 4, name: 'Amount, transaction', kind: text('n'), length: fixed(12) },
  { id: 7, name: 'Transmission date and time (MMDDhhmmss)', kind: text('n'), length: fixed(10) },
  { id: 11, name: 'System trace audit number', kind: text('n'), length: fixed(6) },
  { id: 12, name: 'Time, local transaction (hhmmss)', kind: text('n'), length: fixed(6) },
  { id: 13, name: 'Date, local transaction (MMDD)', kind: text('n'), length: fixed(4) },
  { id: 14, name: 'Date, expiration (YYMM)', kind: text('n'), length: fixed(4), mask: 'all' },
  { id: 18, name: 'Merchant type (MCC)', kind: text('n'), length: fixed(4) },
  { id: 22, name: 'POS entry mode', kind: text('n'), length: fixed(3) },
  { id: 23, name: 'Card sequence number', kind: text('n'), length: fixed(3) },
  { id: 32, name: 'Acquiring institution identification code', kind: text('n'), length: llvar(11) },
  { id: 35, name: 'Track 2 data', kind: text('z'), length: llvar(37), mask: 'track2' },
  { id: 37, name: 'Retrieval reference number', kind: text('an'), length: fixed(12) },
  { id: 38, name: 'Approval code', kind: text('an'), length: fixed(6) },
  { id: 39, name: 'Response code', kind: text('an'), length: fixed(2) },
  { id: 41, name: 'Card acceptor terminal identification', kind: text('ans'), length: fixed(8) },
  { id: 42, name: 'Card acceptor identification code', kind: text('ans'), length: fixed(15) },
  { id: 43, name: 'Card acceptor name/location', kind: text('ans'), length: fixed(40) },
  {
    id: 48,
    name: 'Additional data (tapkit subelements)',
    kind: { type: 'subelements' },
    length: lllvar(999),
  },
  { id: 49, name: 'Currency code, transaction', kind: text('n'), length: fixed(3) },
  { id: 55, name: 'ICC system related data', kind: { type: 'tlv' }, length: lllvar(255) },
  { id: 61, name: 'POS data (tapkit: authorization type)', kind: text('ans'), length: lllvar(999) },
  { id: 63, name: 'Network data (tapkit: network trace id)', kind: text('ans'), length: lllvar(999) },
  { id: 70, name: 'Network management information code', kind: text('n'), length: fixed(3) },
  { id: 90, name: 'Original data elements', kind: text('n'), length: fixed(42) },
  { id: 95, name: 'Replacement amounts', kind: text('an'), length: fixed(42) },
]);
