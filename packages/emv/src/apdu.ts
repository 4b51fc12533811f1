import { bytesToHex, concatBytes } from './bytes.ts';
import { describeTlv } from './describe.ts';
import { err, ok, type Result } from './result.ts';
import { decodeTlv } from './tlv.ts';

// ISO/IEC 7816-4 APDUs, short form only (cases 1 to 4): what a contactless Mastercard dialogue uses.

export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  /** Command data; empty for cases 1 and 2. At most 255 bytes (short Lc). */
  readonly data: Uint8Array;
  /** Expected response length 1–256 (256 is sent as Le = 00); absent for cases 1 and 3. */
  readonly le?: number;
}

export interface ResponseApdu {
  readonly data: Uint8Array;
  /** SW1 << 8 | SW2. */
  readonly sw: number;
}

export type ApduErrorCode =
  | 'APDU_TOO_SHORT'
  | 'APDU_EXTENDED_UNSUPPORTED'
  | 'APDU_LENGTH_MISMATCH'
  | 'APDU_INVALID';

export class ApduError extends Error {
  override readonly name = 'ApduError';
  constructor(
    readonly code: ApduErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export const INS = {
  SELECT: 0xa4,
  READ_RECORD: 0xb2,
  GET_PROCESSING_OPTIONS: 0xa8,
  GENERATE_AC: 0xae,
  GET_DATA: 0xca,
} as const;

const insNames: ReadonlyMap<number, string> = new Map([
  [INS.SELECT, 'SELECT'],
  [INS.READ_RECORD, 'READ RECORD'],
  [INS.GET_PROCESSING_OPTIONS, 'GET PROCESSING OPTIONS'],
  [INS.GENERATE_AC, 'GENERATE AC'],
  [INS.GET_DATA, 'GET DATA'],
]);

export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  SECURITY_STATUS_NOT_SATISFIED: 0x6982,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  INCORRECT_P1_P2: 0x6a86,
  REFERENCED_DATA_NOT_FOUND: 0x6a88,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  UNKNOWN_ERROR: 0x6f00,
} as const;

const swNames: ReadonlyMap<number, string> = new Map([
  [SW.OK, 'success'],
  [SW.WRONG_LENGTH, 'wrong length'],
  [SW.SECURITY_STATUS_NOT_SATISFIED, 'security status not satisfied'],
  [SW.CONDITIONS_NOT_SATISFIED, 'conditions of use not satisfied'],
  [SW.WRONG_DATA, 'incorrect data'],
  [SW.FUNCTION_NOT_SUPPORTED, 'function not supported'],
  [SW.FILE_NOT_FOUND, 'file or application not found'],
  [SW.RECORD_NOT_FOUND, 'record not found'],
  [SW.INCORRECT_P1_P2, 'incorrect P1 P2'],
  [SW.REFERENCED_DATA_NOT_FOUND, 'referenced data not found'],
  [SW.INS_NOT_SUPPORTED, 'instruction not supported'],
  [SW.CLA_NOT_SUPPORTED, 'class not supported'],
  [SW.UNKNOWN_ERROR, 'no precise diagnosis'],
]);

export function swName(sw: number): string {
  const known = swNames.get(sw);
  if (known) return known;
  if (sw >> 8 === 0x61) return `${sw & 0xff} more bytes available`;
  if (sw >> 8 === 0x6c) return `wrong Le, exact length ${sw & 0xff}`;
  if ((sw & 0xfff0) === 0x63c0) return `verification failed, ${sw & 0x0f} tries left`;
  return 'unknown status';
}

function isByte(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xff;
}

/** Encodes a short command APDU; throws ApduError on values that do not fit (a programmer error). */
export function encodeCommandApdu(command: CommandApdu): Uint8Array {
  const { cla, ins, p1, p2, data, le } = command;
  if (![cla, ins, p1, p2].every(isByte)) throw new ApduError('APDU_INVALID', 'header bytes must be 0..255');
  if (data.length > 255) throw new ApduError('APDU_EXTENDED_UNSUPPORTED', `data of ${data.length} bytes`);
  if (le !== undefined && !(Number.isInteger(le) && le >= 1 && le <= 256)) {
    throw new ApduError('APDU_INVALID', `Le ${le} outside 1..256`);
  }
  const header = Uint8Array.of(cla, ins, p1, p2);
  const body = data.length > 0 ? concatBytes(Uint8Array.of(data.length), data) : new Uint8Array(0);
  const trailer = le === undefined ? new Uint8Array(0) : Uint8Array.of(le & 0xff);
  return concatBytes(header, body, trailer);
}

/** Decodes a short command APDU (cases 1–4). Never throws. */
export function decodeCommandApdu(bytes: Uint8Array): Result<CommandApdu, ApduError> {
  if (bytes.length < 4) return err(new ApduError('APDU_TOO_SHORT', `${bytes.length} bytes`));
  const [cla = 0, ins = 0, p1 = 0, p2 = 0] = bytes;
  const base = { cla, ins, p1, p2 };
  if (bytes.length === 4) return ok({ ...base, data: new Uint8Array(0) });
  const fifth = bytes[4] ?? 0;
  if (bytes.length === 5) return ok({ ...base, data: new Uint8Array(0), le: fifth === 0 ? 256 : fifth });
  if (fifth === 0) return err(new ApduError('APDU_EXTENDED_UNSUPPORTED', 'extended length APDU'));
  const data = bytes.slice(5, 5 + fifth);
  if (bytes.length === 5 + fifth) return ok({ ...base, data });
  if (bytes.length === 6 + fifth) {
    const le = bytes[5 + fifth] ?? 0;
    return ok({ ...base, data, le: le === 0 ? 256 : le });
  }
  return err(new ApduError('APDU_LENGTH_MISMATCH', `Lc ${fifth} does not match ${bytes.length} bytes`));
}

export function encodeResponseApdu(response: ResponseApdu): Uint8Array {
  if (!Number.isInteger(response.sw) || response.sw < 0 || response.sw > 0xffff) {
    throw new ApduError('APDU_INVALID', `status word ${response.sw}`);
  }
  return concatBytes(response.data, Uint8Array.of(response.sw >> 8, response.sw & 0xff));
}

/** Splits a response APDU into data and SW1SW2. Never throws. */
export function decodeResponseApdu(bytes: Uint8Array): Result<ResponseApdu, ApduError> {
  if (bytes.length < 2) return err(new ApduError('APDU_TOO_SHORT', `${bytes.length} bytes`));
  const sw = ((bytes[bytes.length - 2] ?? 0) << 8) | (bytes[bytes.length - 1] ?? 0);
  return ok({ data: bytes.slice(0, bytes.length - 2), sw });
}

/** SELECT by DF name (P1 04), first occurrence, Le 00. */
export function selectByName(name: Uint8Array): CommandApdu {
  return { cla: 0x00, ins: INS.SELECT, p1: 0x04, p2: 0x00, data: name, le: 256 };
}

/** GET PROCESSING OPTIONS with the PDOL data wrapped in tag 83. */
export function getProcessingOptions(pdolData: Uint8Array): CommandApdu {
  if (pdolData.length > 127) throw new ApduError('APDU_INVALID', 'PDOL data above 127 bytes');
  const data = concatBytes(Uint8Array.of(0x83, pdolData.length), pdolData);
  return { cla: 0x80, ins: INS.GET_PROCESSING_OPTIONS, p1: 0x00, p2: 0x00, data, le: 256 };
}

/** READ RECORD: P1 record number, P2 = SFI << 3 | 4. */
export function readRecord(record: number, sfi: number): CommandApdu {
  if (!(record >= 1 && record <= 254 && sfi >= 1 && sfi <= 30)) {
    throw new ApduError('APDU_INVALID', 'record/SFI');
  }
  return {
    cla: 0x00,
    ins: INS.READ_RECORD,
    p1: record,
    p2: (sfi << 3) | 4,
    data: new Uint8Array(0),
    le: 256,
  };
}

/** Reference control parameter (P1) of GENERATE AC. */
export const CRYPTOGRAM_TYPE = { AAC: 0x00, TC: 0x40, ARQC: 0x80 } as const;

export function generateAc(referenceControl: number, cdolData: Uint8Array): CommandApdu {
  return { cla: 0x80, ins: INS.GENERATE_AC, p1: referenceControl, p2: 0x00, data: cdolData, le: 256 };
}

const hexByte = (value: number) => value.toString(16).padStart(2, '0').toUpperCase();

/** One log line for a command. Command data holds no card secrets (amounts, dates, AIDs). */
export function describeCommandApdu(command: CommandApdu): string {
  const name = insNames.get(command.ins) ?? 'unknown INS';
  const header = [command.cla, command.ins, command.p1, command.p2].map(hexByte).join(' ');
  const data = command.data.length > 0 ? ` Lc=${command.data.length} data=${bytesToHex(command.data)}` : '';
  const le = command.le === undefined ? '' : ` Le=${hexByte(command.le & 0xff)}`;
  return `${name}: ${header}${data}${le}`;
}

/** A response with its status name and, when the data is TLV, the masked tree (PANs never appear). */
export function describeResponseApdu(response: ResponseApdu): string {
  const status = `SW ${response.sw.toString(16).padStart(4, '0').toUpperCase()} (${swName(response.sw)})`;
  if (response.data.length === 0) return status;
  const tree = decodeTlv(response.data);
  const body = tree.ok ? describeTlv(tree.value, 1) : `  <${response.data.length} bytes, not TLV>`;
  return `${status}\n${body}`;
}
