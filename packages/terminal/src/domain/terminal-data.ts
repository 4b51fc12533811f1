import { hexToBytes, toBcd } from '@tapkit/emv';
import type { TerminalConfig } from './config.ts';
import { dateTimeFields } from './time-fields.ts';

// The data objects the terminal contributes to PDOL and CDOL data (EMV Book 3 Annex A, Kernel 2).
// The card says which of them it wants and how long; the reader fits them with emv's DOL builder.

export type TransactionType = 'PURCHASE';

export interface Transaction {
  readonly type: TransactionType;
  readonly amountMinor: bigint;
}

/** 9F02 is n12: twelve digits of minor units. */
export const amountMinorMax = 999_999_999_999n;

/** 9C values. */
const transactionTypeCode: Readonly<Record<TransactionType, string>> = { PURCHASE: '00' };

/** TVR byte 1 0x80: offline data authentication was not performed (the reader is online-only, no CDA). */
export const TVR_ODA_NOT_PERFORMED = 0x80;
/** TVR byte 2 0x40: expired application. */
export const TVR_EXPIRED_APPLICATION = 0x40;

/** 9F34 when no CVM is needed: "no CVM required", condition 03, successful (EMV Book 4 A4). */
const cvmResultsNoCvm = '1F0302';
/** 9F34 above the no-CVM limit before the card's answer: "no CVM performed". */
const cvmResultsNotPerformed = '3F0000';
/** TTQ byte 2 0x40: online cryptogram and CVM required. */
const ttqCvmRequired = 0x40;

export function isAboveNoCvmLimit(config: TerminalConfig, transaction: Transaction): boolean {
  return transaction.amountMinor > config.noCvmLimitMinor;
}

export function isAmountValid(amountMinor: bigint): boolean {
  return amountMinor > 0n && amountMinor <= amountMinorMax;
}

/**
 * The terminal's tag values for one tap. `unpredictableNumber` is 4 random bytes from the Random port;
 * `atMs` the clock reading at the start of the tap. The amount must satisfy isAmountValid.
 */
export function terminalValues(input: {
  config: TerminalConfig;
  transaction: Transaction;
  unpredictableNumber: Uint8Array;
  atMs: number;
}): Map<string, Uint8Array> {
  const { config, transaction } = input;
  const time = dateTimeFields(input.atMs, config.localTimeOffsetMinutes);
  const aboveLimit = isAboveNoCvmLimit(config, transaction);
  const ttq = hexToBytes(config.terminalTransactionQualifiers);
  if (aboveLimit) ttq[1] = (ttq[1] ?? 0) | ttqCvmRequired;
  return new Map<string, Uint8Array>([
    ['9F02', toBcd(transaction.amountMinor, 6)],
    ['9F03', new Uint8Array(6)],
    ['9F1A', toBcd(config.countryCode, 2)],
    ['95', Uint8Array.of(TVR_ODA_NOT_PERFORMED, 0, 0, 0, 0)],
    ['5F2A', toBcd(config.currencyCode, 2)],
    ['9A', toBcd(time.yymmdd, 3)],
    ['9F21', toBcd(time.hhmmss, 3)],
    ['9C', toBcd(transactionTypeCode[transaction.type], 1)],
    ['9F37', input.unpredictableNumber.slice(0, 4)],
    ['9F35', toBcd(config.terminalType, 1)],
    ['9F33', hexToBytes(config.terminalCapabilities)],
    ['9F40', hexToBytes(config.additionalTerminalCapabilities)],
    ['9F4C', new Uint8Array(8)],
    ['9F34', hexToBytes(aboveLimit ? cvmResultsNotPerformed : cvmResultsNoCvm)],
    ['9F66', ttq],
    ['9F15', toBcd(config.merchantCategoryCode, 2)],
  ]);
}
