// What the SDK tells the app about a tap, derived from the terminal's CDOL1 data (docs/protocol/sdk.md#a-tap):
// the transaction range against the no-CVM limit and the rich transaction type. Pure functions.
import type {
  CompletedTransactionType,
  RichTransactionType,
  TransactionInfo,
  TransactionRange,
} from '../ports.ts';

/** Merchant category codes of transit: local and suburban passenger transport, bus lines. */
export const TRANSIT_MCCS: ReadonlySet<string> = new Set(['4111', '4131']);

/** (tapkit) 9C values with a rich type of their own (EMV Book 4 / ISO 8583 processing codes). */
const TYPE_OF_9C: Readonly<Record<string, CompletedTransactionType>> = {
  '01': 'CASH',
  '17': 'CASH',
  '09': 'PURCHASE_WITH_CASHBACK',
  '20': 'REFUND',
};

/** LOW_VALUE at or below the limit, HIGH_VALUE above; UNKNOWN when the terminal sent no amount. */
export function transactionRangeOf(authorizedAmountMinor: bigint, noCvmLimitMinor: bigint): TransactionRange {
  if (authorizedAmountMinor === 0n) return 'UNKNOWN';
  return authorizedAmountMinor > noCvmLimitMinor ? 'HIGH_VALUE' : 'LOW_VALUE';
}

export function richTransactionTypeOf(merchantCategoryCode: string): RichTransactionType {
  return TRANSIT_MCCS.has(merchantCategoryCode) ? 'TRANSIT' : 'PURCHASE';
}

/**
 * onTransactionComplete's type: REFUND, CASH and PURCHASE_WITH_CASHBACK from 9C; a purchase at a transit
 * merchant is TRANSIT; any other 9C is reported as PURCHASE (tapkit).
 */
export function completedTransactionTypeOf(info: TransactionInfo): CompletedTransactionType {
  return TYPE_OF_9C[info.transactionType] ?? info.richTransactionType;
}

/** LVT / HVT: the doc's two ranges of a completed tap (an UNKNOWN amount is below any limit). */
export function completedRangeOf(info: TransactionInfo): 'LVT' | 'HVT' {
  return info.transactionRange === 'HIGH_VALUE' ? 'HVT' : 'LVT';
}
