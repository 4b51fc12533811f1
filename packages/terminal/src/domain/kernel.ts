import {
  type AflEntry,
  asciiToBytes,
  buildDolData,
  bytesToHex,
  type CommandApdu,
  CRYPTOGRAM_TYPE,
  decodeResponseApdu,
  dolDataLength,
  generateAc,
  getProcessingOptions,
  hexToBytes,
  parseDol,
  readRecord,
  SW,
  selectByName,
  type TlvNode,
} from '@tapkit/emv';
import { type CardIdentity, isExpired, mergeRecord, readCardIdentity } from './card-data.ts';
import type { TerminalConfig } from './config.ts';
import { type KernelFailure, type Parsed, parsed } from './failure.ts';
import type { KernelStep } from './outcome.ts';
import { posciiAsksToSeePhone } from './poscii.ts';
import { chooseApplication, PPSE_NAME, parsePpse } from './ppse.ts';
import {
  type CryptogramResponse,
  parseGenerateAc,
  parseGpo,
  parseRecord,
  parseSelectAid,
} from './responses.ts';
import { isAmountValid, type Transaction, TVR_EXPIRED_APPLICATION, terminalValues } from './terminal-data.ts';
import { dateTimeFields } from './time-fields.ts';

// The Kernel 2 (Mastercard contactless, EMV mode) dialogue as a pure state machine: each answer of
// the card gives the next command or the result. The reader (src/reader/) owns the link, the
// timeouts and the loop; nothing here does I/O, reads the clock or draws random numbers.

/** Records the reader reads at most; a Tapkit card has one, real cards a handful. */
export const readRecordCountMax = 32;
/** GPO's command template 83 uses a one-byte short length. */
const pdolDataBytesMax = 127;
/** A short APDU carries at most 255 data bytes. */
const cdolDataBytesMax = 255;

/** What the acquirer needs to ask for an online authorization. */
export interface OnlineRequest {
  readonly identity: CardIdentity;
  /** The selected AID, upper-case hex. */
  readonly aid: string;
  /** DE55: the cryptogram and the data it covers. */
  readonly icc: readonly TlvNode[];
  /** 9F6E as the card sent it (tapkit: the wallet's custom data, ASCII). */
  readonly customData: Uint8Array | undefined;
  readonly transaction: Transaction;
}

export type KernelResult =
  | { readonly kind: 'ONLINE_REQUEST'; readonly request: OnlineRequest }
  | { readonly kind: 'CARD_DECLINED' }
  | { readonly kind: 'SEE_PHONE' }
  | { readonly kind: 'FAILED'; readonly failure: KernelFailure };

interface Common {
  readonly config: TerminalConfig;
  readonly transaction: Transaction;
  readonly terminal: ReadonlyMap<string, Uint8Array>;
  readonly todayYymmdd: string;
}

export type KernelState = Common &
  (
    | { readonly step: 'SELECT_PPSE' }
    | { readonly step: 'SELECT_AID'; readonly aid: Uint8Array }
    | { readonly step: 'GET_PROCESSING_OPTIONS'; readonly aid: Uint8Array }
    | {
        readonly step: 'READ_RECORD';
        readonly aid: Uint8Array;
        readonly aip: Uint8Array;
        readonly pending: readonly RecordReference[];
        readonly cardData: ReadonlyMap<string, Uint8Array>;
      }
    | {
        readonly step: 'GENERATE_AC';
        readonly aid: Uint8Array;
        readonly aip: Uint8Array;
        readonly identity: CardIdentity;
      }
  );

interface RecordReference {
  readonly sfi: number;
  readonly record: number;
}

export type KernelTransition =
  | { readonly kind: 'SEND'; readonly state: KernelState; readonly command: CommandApdu }
  | { readonly kind: 'DONE'; readonly result: KernelResult };

const done = (result: KernelResult): KernelTransition => ({ kind: 'DONE', result });
const fail = (failure: KernelFailure): KernelTransition => done({ kind: 'FAILED', failure });
const send = (state: KernelState, command: CommandApdu): KernelTransition => ({
  kind: 'SEND',
  state,
  command,
});

export interface KernelStart {
  readonly config: TerminalConfig;
  readonly transaction: Transaction;
  /** 4 bytes from the Random port (9F37). */
  readonly unpredictableNumber: Uint8Array;
  /** The clock reading at the start of the tap. */
  readonly atMs: number;
}

export function startKernel(input: KernelStart): KernelTransition {
  if (!isAmountValid(input.transaction.amountMinor) || input.unpredictableNumber.length !== 4) {
    return fail({ code: 'TRANSACTION_INVALID', step: undefined, detail: 'amount outside 1..999999999999' });
  }
  const common: Common = {
    config: input.config,
    transaction: input.transaction,
    terminal: terminalValues(input),
    todayYymmdd: dateTimeFields(input.atMs, input.config.localTimeOffsetMinutes).yymmdd,
  };
  return send({ ...common, step: 'SELECT_PPSE' }, selectByName(asciiToBytes(PPSE_NAME)));
}

/** Feeds the card's answer (data ‖ SW1 SW2) to the state machine. */
export function stepKernel(state: KernelState, responseBytes: Uint8Array): KernelTransition {
  const response = decodeResponseApdu(responseBytes);
  if (!response.ok) {
    return fail({
      code: 'RESPONSE_MALFORMED',
      step: state.step,
      detail: 'answer shorter than a status word',
    });
  }
  const { data, sw } = response.value;
  if (sw !== SW.OK) return fail(statusFailure(state.step, sw));
  switch (state.step) {
    case 'SELECT_PPSE':
      return afterPpse(state, data);
    case 'SELECT_AID':
      return afterSelectAid(state, data);
    case 'GET_PROCESSING_OPTIONS':
      return afterGpo(state, data);
    case 'READ_RECORD':
      return afterRecord(state, data);
    case 'GENERATE_AC':
      return afterGenerateAc(state, data);
  }
}

function statusFailure(step: KernelStep, sw: number): KernelFailure {
  const hex = sw.toString(16).padStart(4, '0').toUpperCase();
  if (step === 'SELECT_PPSE' && sw === SW.FILE_NOT_FOUND) {
    return { code: 'PPSE_NOT_FOUND', step, detail: 'SELECT PPSE answered 6A82', sw };
  }
  return { code: 'STATUS_WORD', step, detail: `status word ${hex}`, sw };
}

function afterPpse(state: KernelState, data: Uint8Array): KernelTransition {
  const entries = parsePpse(data);
  if (!entries.ok) return fail(entries.failure);
  const chosen = chooseApplication(entries.value, state.config.supportedAids);
  if (chosen === undefined) {
    return fail({
      code: 'NO_SUPPORTED_APPLICATION',
      step: 'SELECT_PPSE',
      detail: 'no supported AID in the directory',
    });
  }
  const aid = hexToBytes(chosen.aid);
  return send({ ...state, step: 'SELECT_AID', aid }, selectByName(aid));
}

function afterSelectAid(state: KernelState & { step: 'SELECT_AID' }, data: Uint8Array): KernelTransition {
  const selected = parseSelectAid(data, state.aid);
  if (!selected.ok) return fail(selected.failure);
  // The PDOL may ask for anything, in any order and length: the DOL builder fits the terminal's values.
  if (dolDataLength(selected.value.pdol) > pdolDataBytesMax) {
    return fail({ code: 'DOL_TOO_LONG', step: 'SELECT_AID', detail: 'PDOL data above 127 bytes' });
  }
  const pdolData = buildDolData(selected.value.pdol, state.terminal);
  return send({ ...state, step: 'GET_PROCESSING_OPTIONS' }, getProcessingOptions(pdolData));
}

function recordsOf(afl: readonly AflEntry[]): Parsed<RecordReference[]> {
  const references: RecordReference[] = [];
  for (const entry of afl) {
    if (references.length + (entry.lastRecord - entry.firstRecord + 1) > readRecordCountMax) {
      return {
        ok: false,
        failure: {
          code: 'RECORD_COUNT_EXCEEDED',
          step: 'GET_PROCESSING_OPTIONS',
          detail: `more than ${readRecordCountMax} records`,
        },
      };
    }
    for (let record = entry.firstRecord; record <= entry.lastRecord; record++) {
      references.push({ sfi: entry.sfi, record });
    }
  }
  return parsed(references);
}

function afterGpo(
  state: KernelState & { step: 'GET_PROCESSING_OPTIONS' },
  data: Uint8Array,
): KernelTransition {
  const options = parseGpo(data);
  if (!options.ok) return fail(options.failure);
  const references = recordsOf(options.value.afl);
  if (!references.ok) return fail(references.failure);
  return nextRecord({
    ...state,
    step: 'READ_RECORD',
    aip: options.value.aip,
    pending: references.value,
    cardData: new Map(),
  });
}

function nextRecord(state: KernelState & { step: 'READ_RECORD' }): KernelTransition {
  const [next, ...rest] = state.pending;
  if (next !== undefined) return send({ ...state, pending: rest }, readRecord(next.record, next.sfi));
  return generateAcFor(state);
}

function afterRecord(state: KernelState & { step: 'READ_RECORD' }, data: Uint8Array): KernelTransition {
  const objects = parseRecord(data);
  if (!objects.ok) return fail(objects.failure);
  const merged = mergeRecord(state.cardData, objects.value);
  if (!merged.ok) return fail(merged.failure);
  return nextRecord({ ...state, cardData: merged.value });
}

/** All records read: check the card data, then ask for an ARQC with CDOL1 data built from the card's 8C. */
function generateAcFor(state: KernelState & { step: 'READ_RECORD' }): KernelTransition {
  const identity = readCardIdentity(state.cardData);
  if (!identity.ok) return fail(identity.failure);
  const cdol = parseDol(state.cardData.get('8C') ?? new Uint8Array(0));
  if (!cdol.ok)
    return fail({ code: 'DATA_INVALID', step: 'READ_RECORD', detail: `CDOL1: ${cdol.error.code}` });
  if (dolDataLength(cdol.value) > cdolDataBytesMax) {
    return fail({ code: 'DOL_TOO_LONG', step: 'READ_RECORD', detail: 'CDOL1 data above 255 bytes' });
  }
  const terminal = new Map(state.terminal);
  if (isExpired(identity.value.expiryYymmdd, state.todayYymmdd)) {
    // Kernel 2 does not stop on an expired card: it tells the issuer through the TVR and goes online.
    const tvr = (terminal.get('95') ?? new Uint8Array(5)).slice();
    tvr[1] = (tvr[1] ?? 0) | TVR_EXPIRED_APPLICATION;
    terminal.set('95', tvr);
  }
  // Card data first, terminal data over it: a card cannot supply the amount or the unpredictable number.
  const values = new Map([...state.cardData, ...terminal]);
  const cdolData = buildDolData(cdol.value, values);
  const next: KernelState = { ...state, terminal, step: 'GENERATE_AC', identity: identity.value };
  return send(next, generateAc(CRYPTOGRAM_TYPE.ARQC, cdolData));
}

function afterGenerateAc(state: KernelState & { step: 'GENERATE_AC' }, data: Uint8Array): KernelTransition {
  const answer = parseGenerateAc(data);
  if (!answer.ok) return fail(answer.failure);
  const { cid } = answer.value;
  if (cid === CRYPTOGRAM_TYPE.AAC) {
    return done(
      posciiAsksToSeePhone(answer.value.poscii) ? { kind: 'SEE_PHONE' } : { kind: 'CARD_DECLINED' },
    );
  }
  if (cid !== CRYPTOGRAM_TYPE.ARQC) {
    const hex = cid.toString(16).padStart(2, '0').toUpperCase();
    return fail({ code: 'CRYPTOGRAM_TYPE_INVALID', step: 'GENERATE_AC', detail: `CID ${hex}` });
  }
  return done({ kind: 'ONLINE_REQUEST', request: onlineRequest(state, answer.value) });
}

/** DE55 tags, in the order the network reads them (tapkit): the ARQC, then the data it covers. */
export const iccDataTags = [
  '9F26',
  '9F27',
  '9F10',
  '9F36',
  '9F02',
  '9F03',
  '9F1A',
  '95',
  '5F2A',
  '9A',
  '9C',
  '9F37',
  '82',
] as const;

function onlineRequest(
  state: KernelState & { step: 'GENERATE_AC' },
  answer: CryptogramResponse,
): OnlineRequest {
  const values = new Map(state.terminal);
  values.set('9F26', answer.applicationCryptogram);
  values.set('9F27', Uint8Array.of(answer.cid));
  values.set('9F10', answer.issuerApplicationData);
  values.set('9F36', answer.atc);
  values.set('82', state.aip);
  const icc: TlvNode[] = iccDataTags.map((tag) => ({ tag, value: values.get(tag) ?? new Uint8Array(0) }));
  return {
    identity: state.identity,
    aid: bytesToHex(state.aid),
    icc,
    customData: answer.customData,
    transaction: state.transaction,
  };
}
