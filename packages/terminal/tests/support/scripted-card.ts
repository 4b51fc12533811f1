import {
  type ArqcData,
  asciiToBytes,
  bytesToHex,
  CRYPTOGRAM_TYPE,
  createEmvCrypto,
  decodeCommandApdu,
  desJsBlockCipher,
  encodeAfl,
  encodeIssuerApplicationData,
  encodeResponseApdu,
  encodeTlv,
  hexToBytes,
  INS,
  parseDol,
  SW,
  sessionKeyInputCvn20,
  splitDolData,
  type TlvNode,
  toBcd,
} from '@tapkit/emv';
import type { KernelStep } from '../../src/domain/outcome.ts';
import { POSCII_SEE_PHONE } from '../../src/domain/poscii.ts';

// A card for tests: the card profile of docs/protocol/emv.md#card-profile answered with emv's TLV encoder, an
// ARQC computed with emv's crypto from a session key derived like the real system (IMK → MK → session
// key from the ATC). Hooks replace any step's answer to script faults.

export const testImk = hexToBytes('0123456789ABCDEFFEDCBA9876543210');
export const crypto = createEmvCrypto(desJsBlockCipher);

/** The spec's CDOL1 (tapkit, 45 bytes). */
export const specCdol1 = '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F34039F1502';

export interface ScriptedCardOptions {
  readonly pan?: string;
  readonly psn?: string;
  /** YYMMDD. */
  readonly expiry?: string;
  readonly atc?: number;
  /** CDOL1 (8C) as hex; the spec's by default. */
  readonly cdol1?: string;
  /** PDOL (9F38) as hex; none when empty. */
  readonly pdol?: string;
  /** What GENERATE AC answers. */
  readonly mode?: 'ARQC' | 'AAC' | 'SEE_PHONE';
  /** Set once the cardholder verified on the phone: the CVR gets the on-device CVM bits. */
  readonly cdcvmPerformed?: boolean;
  readonly customData?: string;
  /** Replace the answer (data ‖ SW) of a step. */
  readonly override?: Partial<Record<KernelStep, (command: Uint8Array, normal: Uint8Array) => Uint8Array>>;
}

export interface ReceivedCommand {
  readonly step: KernelStep | 'UNKNOWN';
  readonly command: Uint8Array;
}

const ok = (nodes: TlvNode[]): Uint8Array => encodeResponseApdu({ data: encodeTlv(nodes), sw: SW.OK });
const status = (sw: number): Uint8Array => encodeResponseApdu({ data: new Uint8Array(0), sw });
const prim = (tag: string, hex: string): TlvNode => ({ tag, value: hexToBytes(hex) });

export const MC_AID = 'A0000000041010';

export class ScriptedCard {
  readonly received: ReceivedCommand[] = [];
  /** The CDOL1 values the card received in its last GENERATE AC, by tag. */
  lastCdolValues: Map<string, Uint8Array> | undefined;
  lastPdolData: Uint8Array | undefined;
  readonly pan: string;
  readonly psn: string;
  atc: number;
  private readonly options: ScriptedCardOptions;

  constructor(options: ScriptedCardOptions = {}) {
    this.options = options;
    this.pan = options.pan ?? '5413330000001234';
    this.psn = options.psn ?? '00';
    this.atc = options.atc ?? 0x001c;
  }

  sessionKey(atc: number): Uint8Array {
    const mk = crypto.deriveIccMasterKey({ imk: testImk, pan: this.pan, psn: this.psn });
    return crypto.deriveSessionKey({ mk, r: sessionKeyInputCvn20(Uint8Array.of(atc >> 8, atc & 0xff)) });
  }

  readonly processApdu = async (command: Uint8Array): Promise<Uint8Array> => {
    const step = this.stepOf(command);
    this.received.push({ step, command: command.slice() });
    if (step === 'UNKNOWN') return status(SW.INS_NOT_SUPPORTED);
    const normal = this.answer(step, command);
    const override = this.options.override?.[step];
    return override ? override(command, normal) : normal;
  };

  private stepOf(command: Uint8Array): KernelStep | 'UNKNOWN' {
    const ins = command[1];
    if (ins === INS.SELECT) {
      const name = command.slice(5, 5 + (command[4] ?? 0));
      return bytesToHex(name) === bytesToHex(asciiToBytes('2PAY.SYS.DDF01')) ? 'SELECT_PPSE' : 'SELECT_AID';
    }
    if (ins === INS.GET_PROCESSING_OPTIONS) return 'GET_PROCESSING_OPTIONS';
    if (ins === INS.READ_RECORD) return 'READ_RECORD';
    if (ins === INS.GENERATE_AC) return 'GENERATE_AC';
    return 'UNKNOWN';
  }

  private answer(step: KernelStep, command: Uint8Array): Uint8Array {
    switch (step) {
      case 'SELECT_PPSE':
        return ok([
          {
            tag: '6F',
            children: [
              { tag: '84', value: asciiToBytes('2PAY.SYS.DDF01') },
              {
                tag: 'A5',
                children: [
                  {
                    tag: 'BF0C',
                    children: [
                      {
                        tag: '61',
                        children: [
                          prim('4F', MC_AID),
                          { tag: '50', value: asciiToBytes('MASTERCARD') },
                          prim('87', '01'),
                        ],
                      },
                    ],
                  },
                ],
              },
            ],
          },
        ]);
      case 'SELECT_AID':
        return this.selectAid(command);
      case 'GET_PROCESSING_OPTIONS':
        return this.gpo(command);
      case 'READ_RECORD':
        return this.readRecord(command);
      case 'GENERATE_AC':
        return this.generateAc(command);
    }
  }

  private selectAid(command: Uint8Array): Uint8Array {
    const decoded = decodeCommandApdu(command);
    if (!decoded.ok || bytesToHex(decoded.value.data) !== MC_AID) return status(SW.FILE_NOT_FOUND);
    const proprietary: TlvNode[] = [{ tag: '50', value: asciiToBytes('MASTERCARD') }];
    if (this.options.pdol) proprietary.push(prim('9F38', this.options.pdol));
    return ok([{ tag: '6F', children: [prim('84', MC_AID), { tag: 'A5', children: proprietary }] }]);
  }

  private gpo(command: Uint8Array): Uint8Array {
    const decoded = decodeCommandApdu(command);
    if (!decoded.ok) return status(SW.WRONG_LENGTH);
    this.lastPdolData = decoded.value.data.slice(2);
    const afl = encodeAfl([{ sfi: 1, firstRecord: 1, lastRecord: 1, odaRecordCount: 0 }]);
    return ok([{ tag: '77', children: [prim('82', '1980'), { tag: '94', value: afl }] }]);
  }

  private readRecord(command: Uint8Array): Uint8Array {
    if (command[2] !== 1 || command[3] !== ((1 << 3) | 4)) return status(SW.RECORD_NOT_FOUND);
    const expiry = this.options.expiry ?? '291231';
    const panHex = this.pan.length % 2 === 0 ? this.pan : `${this.pan}F`;
    const track2 = `${this.pan}D${expiry.slice(0, 4)}201000000000`;
    return ok([
      {
        tag: '70',
        children: [
          prim('57', track2.length % 2 === 0 ? track2 : `${track2}F`),
          prim('5A', panHex),
          prim('5F24', expiry),
          prim('5F34', this.psn),
          prim('8C', this.options.cdol1 ?? specCdol1),
          prim('9F42', '0124'),
        ],
      },
    ]);
  }

  private generateAc(command: Uint8Array): Uint8Array {
    const decoded = decodeCommandApdu(command);
    const cdol = parseDol(hexToBytes(this.options.cdol1 ?? specCdol1));
    if (!decoded.ok || !cdol.ok) return status(SW.WRONG_LENGTH);
    const values = splitDolData(cdol.value, decoded.value.data);
    if (!values.ok) return status(SW.WRONG_LENGTH);
    this.lastCdolValues = values.value;
    const mode = this.options.mode ?? 'ARQC';
    const cid = mode === 'ARQC' ? CRYPTOGRAM_TYPE.ARQC : CRYPTOGRAM_TYPE.AAC;
    const atc = this.atc;
    this.atc += 1;
    const cvr = Uint8Array.of(
      mode === 'ARQC' ? 0x80 | (this.options.cdcvmPerformed ? 0x05 : 0) : 0x00,
      0,
      0,
      0,
      0,
      0,
    );
    const iad = encodeIssuerApplicationData({
      kdi: 1,
      cvn: 0x14,
      cvr,
      dac: new Uint8Array(2),
      counters: new Uint8Array(8),
    });
    const atcBytes = Uint8Array.of(atc >> 8, atc & 0xff);
    const get = (tag: string, lengthBytes: number) => values.value.get(tag) ?? new Uint8Array(lengthBytes);
    const data: ArqcData = {
      amountAuthorised: get('9F02', 6),
      amountOther: get('9F03', 6),
      terminalCountryCode: get('9F1A', 2),
      tvr: get('95', 5),
      transactionCurrencyCode: get('5F2A', 2),
      transactionDate: get('9A', 3),
      transactionType: get('9C', 1),
      unpredictableNumber: get('9F37', 4),
      aip: hexToBytes('1980'),
      atc: atcBytes,
      cvr,
    };
    const ac = crypto.computeArqc({ sessionKey: this.sessionKey(atc), data });
    const children: TlvNode[] = [
      { tag: '9F27', value: Uint8Array.of(cid) },
      { tag: '9F36', value: atcBytes },
      { tag: '9F26', value: ac },
      { tag: '9F10', value: iad },
    ];
    if (this.options.customData !== undefined)
      children.push({ tag: '9F6E', value: asciiToBytes(this.options.customData) });
    if (mode === 'SEE_PHONE') children.push({ tag: 'DF4B', value: POSCII_SEE_PHONE });
    return ok([{ tag: '77', children }]);
  }
}

/** The amount as 9F02 carries it. */
export const amountBcd = (amountMinor: bigint): string => bytesToHex(toBcd(amountMinor, 6));
