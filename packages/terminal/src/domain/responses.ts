import {
  type AflEntry,
  type DolEntry,
  decodeTlv,
  equalBytes,
  findTlv,
  isConstructed,
  parseAfl,
  parseDol,
  type TlvNode,
  type TlvPrimitive,
} from '@tapkit/emv';
import { failed, type Parsed, parsed } from './failure.ts';
import type { KernelStep } from './outcome.ts';

// Parsers for the card's answers after the directory. Each checks the template, the mandatory tags
// and their lengths, and never throws: a bad answer is a KernelFailure value.

/** The only top-level object of `data` must be `template`; its children are returned. */
function template(step: KernelStep, data: Uint8Array, tag: string): Parsed<readonly TlvNode[]> {
  const tree = decodeTlv(data);
  if (!tree.ok) return failed(step, 'RESPONSE_MALFORMED', `not BER-TLV (${tree.error.code})`);
  const [first, ...rest] = tree.value;
  if (first === undefined || first.tag !== tag || rest.length > 0 || !isConstructed(first)) {
    return failed(step, 'RESPONSE_MALFORMED', `expected a single ${tag} template`);
  }
  return parsed(first.children);
}

/** A primitive child of `nodes` (one level) with a length within [min, max]. */
function child(
  step: KernelStep,
  nodes: readonly TlvNode[],
  tag: string,
  lengthBytes: { min: number; max: number },
): Parsed<Uint8Array> {
  const node = nodes.find((candidate) => candidate.tag === tag);
  if (node === undefined) return failed(step, 'MANDATORY_DATA_MISSING', `tag ${tag} missing`);
  if (isConstructed(node)) return failed(step, 'RESPONSE_MALFORMED', `tag ${tag} is constructed`);
  if (node.value.length < lengthBytes.min || node.value.length > lengthBytes.max) {
    return failed(step, 'RESPONSE_MALFORMED', `tag ${tag} has ${node.value.length} bytes`);
  }
  return parsed(node.value);
}

function optionalChild(nodes: readonly TlvNode[], tag: string): Uint8Array | undefined {
  const node = nodes.find((candidate) => candidate.tag === tag);
  return node !== undefined && !isConstructed(node) ? node.value : undefined;
}

export interface SelectedApplication {
  readonly pdol: readonly DolEntry[];
}

/** SELECT AID answer: 6F{84 DF name = the selected AID, A5{50?, 9F38 PDOL?}}. */
export function parseSelectAid(data: Uint8Array, selectedAid: Uint8Array): Parsed<SelectedApplication> {
  const fci = template('SELECT_AID', data, '6F');
  if (!fci.ok) return fci;
  const name = child('SELECT_AID', fci.value, '84', { min: 5, max: 16 });
  if (!name.ok) return name;
  if (!equalBytes(name.value, selectedAid)) {
    return failed('SELECT_AID', 'DATA_INVALID', 'DF name (84) differs from the selected AID');
  }
  const proprietary = fci.value.find((node) => node.tag === 'A5');
  if (proprietary === undefined || !isConstructed(proprietary)) {
    return failed('SELECT_AID', 'MANDATORY_DATA_MISSING', 'tag A5 missing');
  }
  const pdolBytes = optionalChild(proprietary.children, '9F38');
  if (pdolBytes === undefined) return parsed({ pdol: [] });
  const pdol = parseDol(pdolBytes);
  if (!pdol.ok) return failed('SELECT_AID', 'DATA_INVALID', `PDOL: ${pdol.error.code}`);
  return parsed({ pdol: pdol.value });
}

export interface ProcessingOptions {
  readonly aip: Uint8Array;
  readonly afl: readonly AflEntry[];
}

/** GPO answer, format 2 (77{82 AIP, 94 AFL}) or format 1 (80: AIP ‖ AFL). */
export function parseGpo(data: Uint8Array): Parsed<ProcessingOptions> {
  const step = 'GET_PROCESSING_OPTIONS';
  let aip: Uint8Array;
  let aflBytes: Uint8Array;
  if (data[0] === 0x80) {
    const tree = decodeTlv(data);
    const format1 = tree.ok && tree.value.length === 1 ? tree.value[0] : undefined;
    if (format1 === undefined || isConstructed(format1) || format1.value.length < 6) {
      return failed(step, 'RESPONSE_MALFORMED', 'bad format 1 answer');
    }
    aip = format1.value.slice(0, 2);
    aflBytes = format1.value.slice(2);
  } else {
    const body = template(step, data, '77');
    if (!body.ok) return body;
    const aipValue = child(step, body.value, '82', { min: 2, max: 2 });
    if (!aipValue.ok) return aipValue;
    const aflValue = child(step, body.value, '94', { min: 4, max: 252 });
    if (!aflValue.ok) return aflValue;
    aip = aipValue.value;
    aflBytes = aflValue.value;
  }
  const afl = parseAfl(aflBytes);
  if (!afl.ok) return failed(step, 'DATA_INVALID', `AFL: ${afl.error.message}`);
  return parsed({ aip, afl: afl.value });
}

/** READ RECORD answer: 70{...}; its primitive objects (nested templates are not card data we use). */
export function parseRecord(data: Uint8Array): Parsed<TlvPrimitive[]> {
  const body = template('READ_RECORD', data, '70');
  if (!body.ok) return body;
  return parsed(body.value.filter((node): node is TlvPrimitive => !isConstructed(node)));
}

export interface CryptogramResponse {
  /** 9F27. */
  readonly cid: number;
  /** 9F36, 2 bytes. */
  readonly atc: Uint8Array;
  /** 9F26, 8 bytes. */
  readonly applicationCryptogram: Uint8Array;
  /** 9F10, 1–32 bytes. */
  readonly issuerApplicationData: Uint8Array;
  /** 9F6E, the wallet's custom data (tapkit). */
  readonly customData: Uint8Array | undefined;
  /** DF4B, POS cardholder interaction information. */
  readonly poscii: Uint8Array | undefined;
}

/** IAD is at most 32 bytes (EMV Book 3 Annex A). */
const iadBytesMax = 32;

/** GENERATE AC answer, format 2 (77{9F27, 9F36, 9F26, 9F10, 9F6E?, DF4B?}) or format 1 (80). */
export function parseGenerateAc(data: Uint8Array): Parsed<CryptogramResponse> {
  const step = 'GENERATE_AC';
  if (data[0] === 0x80) return parseGenerateAcFormat1(data);
  const body = template(step, data, '77');
  if (!body.ok) return body;
  const cid = child(step, body.value, '9F27', { min: 1, max: 1 });
  if (!cid.ok) return cid;
  const atc = child(step, body.value, '9F36', { min: 2, max: 2 });
  if (!atc.ok) return atc;
  const ac = child(step, body.value, '9F26', { min: 8, max: 8 });
  if (!ac.ok) return ac;
  const iad = child(step, body.value, '9F10', { min: 1, max: iadBytesMax });
  if (!iad.ok) return iad;
  return parsed({
    cid: cid.value[0] ?? 0,
    atc: atc.value,
    applicationCryptogram: ac.value,
    issuerApplicationData: iad.value,
    customData: optionalChild(body.value, '9F6E'),
    poscii: optionalChild(body.value, 'DF4B'),
  });
}

function parseGenerateAcFormat1(data: Uint8Array): Parsed<CryptogramResponse> {
  const tree = decodeTlv(data);
  const node = tree.ok && tree.value.length === 1 ? findTlv(tree.value, '80') : undefined;
  // CID(1) ‖ ATC(2) ‖ AC(8) ‖ IAD(1–32).
  if (
    node === undefined ||
    isConstructed(node) ||
    node.value.length < 12 ||
    node.value.length > 11 + iadBytesMax
  ) {
    return failed('GENERATE_AC', 'RESPONSE_MALFORMED', 'bad format 1 answer');
  }
  return parsed({
    cid: node.value[0] ?? 0,
    atc: node.value.slice(1, 3),
    applicationCryptogram: node.value.slice(3, 11),
    issuerApplicationData: node.value.slice(11),
    customData: undefined,
    poscii: undefined,
  });
}
