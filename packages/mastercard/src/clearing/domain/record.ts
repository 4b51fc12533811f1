// Clearing file records (tapkit, shaped after Mastercard IPM) and their ISO 8583:1993 messages. The
// format is shared with the issuer processor that reads the file, so it lives in @tapkit/emv
// (src/clearing/record.ts, with its tests); the network keeps these names as its own.
export {
  acquirerReferenceNumber,
  addToTotals,
  amountMinorMax,
  arnCheckDigit,
  type ClearingHeader,
  type ClearingTotals,
  type ClearingTrailer,
  emptyTotals,
  headerMessage,
  type ParsedMessage,
  type PresentmentKind,
  type PresentmentRecord,
  parseClearingMessage,
  presentmentMessage,
  type RecordError,
  recordCountMax,
  totalAmountMinorMax,
  totalsEqual,
  trailerMessage,
  validateRecord,
} from '@tapkit/emv';
