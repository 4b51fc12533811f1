// The card's APDU state machine for one field session, as a pure function: (state, command bytes) →
// an answer, or a request for the parts that need storage and the app (GPO gate, GENERATE AC). Every
// input, however malformed or out of order, ends in a status word; nothing here throws on bad input.
//
//   IDLE ──SELECT PPSE──▶ PPSE ──SELECT AID──▶ SELECTED ──GPO──▶ INITIATED ──GENERATE AC──▶ DONE
//   (SELECT PPSE or SELECT AID from any state starts over: a new transaction.)
import { decodeCommandApdu, equalBytes, INS, SW, splitDolData } from '@tapkit/emv';
import { type CardStatics, PPSE_NAME, recordKey } from './profile.ts';

export type CardPhase = 'IDLE' | 'PPSE' | 'SELECTED' | 'INITIATED' | 'DONE';

export interface CardSessionState {
  readonly phase: CardPhase;
}

export const initialCardSession: CardSessionState = { phase: 'IDLE' };

export type RequestedCryptogram = 'ARQC' | 'AAC';

export type CardStep =
  | {
      readonly kind: 'respond';
      readonly sw: number;
      readonly data: Uint8Array;
      readonly next: CardSessionState;
    }
  /** GPO is well formed: answer gpoResponse if the token may pay now, else 6985. */
  | { readonly kind: 'gpo'; readonly next: CardSessionState }
  | {
      readonly kind: 'generateAc';
      readonly requested: RequestedCryptogram;
      readonly cdolValues: ReadonlyMap<string, Uint8Array>;
      readonly next: CardSessionState;
    };

const CLA_ISO = 0x00;
const CLA_PROPRIETARY = 0x80;
const empty = new Uint8Array(0);

function respond(sw: number, next: CardSessionState, data: Uint8Array = empty): CardStep {
  return { kind: 'respond', sw, data, next };
}

/** The CLA each supported INS must come with. */
const claOfIns = new Map<number, number>([
  [INS.SELECT, CLA_ISO],
  [INS.READ_RECORD, CLA_ISO],
  [INS.GET_PROCESSING_OPTIONS, CLA_PROPRIETARY],
  [INS.GENERATE_AC, CLA_PROPRIETARY],
]);

/** `card` is undefined when the SDK holds no usable token: only the PPSE exists then. */
export function stepCard(
  state: CardSessionState,
  bytes: Uint8Array,
  card: CardStatics | undefined,
): CardStep {
  const decoded = decodeCommandApdu(bytes);
  if (!decoded.ok) return respond(SW.WRONG_LENGTH, state);
  const command = decoded.value;
  if (command.cla !== CLA_ISO && command.cla !== CLA_PROPRIETARY) return respond(SW.CLA_NOT_SUPPORTED, state);
  const expectedCla = claOfIns.get(command.ins);
  if (expectedCla === undefined) return respond(SW.INS_NOT_SUPPORTED, state);
  if (expectedCla !== command.cla) return respond(SW.CLA_NOT_SUPPORTED, state);
  switch (command.ins) {
    case INS.SELECT:
      return select(state, command.p1, command.p2, command.data, card);
    case INS.GET_PROCESSING_OPTIONS:
      return getProcessingOptions(state, command.p1, command.p2, command.data, card);
    case INS.READ_RECORD:
      return readRecord(state, command.p1, command.p2, card);
    default:
      return generateAc(state, command.p1, command.p2, command.data, card);
  }
}

function select(
  state: CardSessionState,
  p1: number,
  p2: number,
  name: Uint8Array,
  card: CardStatics | undefined,
): CardStep {
  // P1 04: select by DF name; P2 00: first or only occurrence (the card has one of each).
  if (p1 !== 0x04 || p2 !== 0x00) return respond(SW.INCORRECT_P1_P2, state);
  if (name.length === 0) return respond(SW.WRONG_LENGTH, state);
  if (equalBytes(name, PPSE_NAME)) {
    if (card === undefined) return respond(SW.FILE_NOT_FOUND, initialCardSession);
    return respond(SW.OK, { phase: 'PPSE' }, card.ppseFci);
  }
  if (card !== undefined && equalBytes(name, card.aid))
    return respond(SW.OK, { phase: 'SELECTED' }, card.aidFci);
  return respond(SW.FILE_NOT_FOUND, state);
}

function getProcessingOptions(
  state: CardSessionState,
  p1: number,
  p2: number,
  data: Uint8Array,
  card: CardStatics | undefined,
): CardStep {
  if (card === undefined || state.phase !== 'SELECTED') return respond(SW.CONDITIONS_NOT_SATISFIED, state);
  if (p1 !== 0x00 || p2 !== 0x00) return respond(SW.INCORRECT_P1_P2, state);
  const pdolBytes = card.pdol.reduce((sum, entry) => sum + entry.lengthBytes, 0);
  // Command template 83 with exactly the data the PDOL asked for (short length form: PDOL data < 128).
  const wellFormed = data.length === 2 + pdolBytes && data[0] === 0x83 && data[1] === pdolBytes;
  if (!wellFormed) return respond(SW.WRONG_LENGTH, state);
  return { kind: 'gpo', next: { phase: 'INITIATED' } };
}

function readRecord(
  state: CardSessionState,
  p1: number,
  p2: number,
  card: CardStatics | undefined,
): CardStep {
  // P2 = SFI << 3 | 100: read record P1 of the short file SFI. P1 00 (current record) is not supported.
  if ((p2 & 0x07) !== 0x04 || p1 === 0x00 || p2 >> 3 === 0) return respond(SW.INCORRECT_P1_P2, state);
  if (card === undefined || state.phase !== 'INITIATED') return respond(SW.CONDITIONS_NOT_SATISFIED, state);
  const sfi = p2 >> 3;
  if (!card.afl.some((entry) => entry.sfi === sfi)) return respond(SW.FILE_NOT_FOUND, state);
  const record = card.records.get(recordKey(sfi, p1));
  if (record === undefined) return respond(SW.RECORD_NOT_FOUND, state);
  return respond(SW.OK, state, record);
}

function generateAc(
  state: CardSessionState,
  p1: number,
  p2: number,
  data: Uint8Array,
  card: CardStatics | undefined,
): CardStep {
  // P1 bits 8-7: 00 AAC, 01 TC, 10 ARQC, 11 RFU; bit 5 asks for CDA, which this card (no ODA keys)
  // does not do; the other bits are RFU.
  const type = p1 & 0xc0;
  if (type === 0xc0 || (p1 & 0x3f) !== 0 || p2 !== 0x00) return respond(SW.INCORRECT_P1_P2, state);
  if (card === undefined || state.phase !== 'INITIATED') return respond(SW.CONDITIONS_NOT_SATISFIED, state);
  const values = splitDolData(card.cdol1, data);
  if (!values.ok) return respond(SW.WRONG_LENGTH, state);
  // The card never answers TC (docs/protocol/emv.md#cryptogram-types): a TC request gets an ARQC, an AAC
  // request an AAC.
  const requested: RequestedCryptogram = type === 0x00 ? 'AAC' : 'ARQC';
  return { kind: 'generateAc', requested, cdolValues: values.value, next: { phase: 'DONE' } };
}
