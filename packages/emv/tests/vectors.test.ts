import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../src/bytes.ts';
import {
  type ArqcData,
  computeArpc,
  computeArpcMethod1,
  computeArqc,
  deriveCardKeys,
  verifyArqc,
} from '../src/crypto/arqc.ts';
import { createEmvCrypto } from '../src/crypto/facade.ts';
import {
  deriveIccMasterKey,
  deriveSessionKey,
  keyCheckValue,
  sessionKeyInputCvn16,
  sessionKeyInputCvn20,
} from '../src/crypto/keys.ts';
import { retailMac } from '../src/crypto/mac.ts';
import { decodeTlvOrThrow, tlvToObject } from '../src/tlv.ts';
import { ciphers } from './ciphers.ts';
import { vectors } from './vectors.ts';

const h = hexToBytes;
const inputs = vectors.cvnMastercard.inputs;
const input = (name: string): string => {
  const value = inputs[name];
  if (value === undefined) throw new Error(`vector input ${name} missing`);
  return value;
};

const arqcData: ArqcData = {
  amountAuthorised: h(input('9F02')),
  amountOther: h(input('9F03')),
  terminalCountryCode: h(input('9F1A')),
  tvr: h(input('95')),
  transactionCurrencyCode: h(input('5F2A')),
  transactionDate: h(input('9A')),
  transactionType: h(input('9C')),
  unpredictableNumber: h(input('9F37')),
  aip: h(input('82')),
  atc: h(input('9F36')),
  cvr: h(input('cvr')),
};

describe.each(ciphers)('EMV vectors with %s', (_name, cipher) => {
  it.each(vectors.iccMasterKeyOptionA)('option A MK for PAN $pan PSN $psn', (v) => {
    const mk = deriveIccMasterKey(cipher, { imk: h(v.imk), pan: v.pan, psn: v.psn });
    expect(bytesToHex(mk)).toBe(v.mk);
  });

  it.each(vectors.commonSessionKey)('common session key for R $r', (v) => {
    expect(bytesToHex(deriveSessionKey(cipher, { mk: h(v.mk), r: h(v.r) }))).toBe(v.sk);
  });

  it.each(vectors.retailMacAlg3Pad2)('retail MAC $mac', (v) => {
    expect(bytesToHex(retailMac(cipher, h(v.key), h(v.data)))).toBe(v.mac);
  });

  it.each(vectors.arpcMethod1)('ARPC method 1 $arpc', (v) => {
    const arpc = computeArpcMethod1({ cipher, key: h(v.key), arqc: h(v.arqc), arc: h(v.arc) });
    expect(bytesToHex(arpc)).toBe(v.arpc);
  });

  it.each(vectors.kcv)('KCV $kcv', (v) => {
    const kcv = keyCheckValue(cipher, h(v.key), v.kcv.length / 2);
    expect(bytesToHex(kcv)).toBe(v.kcv);
  });

  it.each(vectors.cvnMastercard.cases)('Mastercard CVN $cvn: MK, SK, ARQC, ARPC', (c) => {
    const mk = deriveIccMasterKey(cipher, { imk: h(input('imkAc')), pan: input('pan'), psn: input('psn') });
    expect(bytesToHex(keyCheckValue(cipher, mk, 2))).toBe(c.mkKcv);
    const r =
      c.cvn === 20
        ? sessionKeyInputCvn20(arqcData.atc)
        : sessionKeyInputCvn16(arqcData.atc, arqcData.unpredictableNumber);
    const sessionKey = deriveSessionKey(cipher, { mk, r });
    expect(bytesToHex(keyCheckValue(cipher, sessionKey, 2))).toBe(c.skKcv);
    const arqc = computeArqc({ cipher, sessionKey, data: arqcData });
    expect(bytesToHex(arqc)).toBe(c.arqc);
    const arpcKey = c.arpcKey === 'MK' ? mk : sessionKey;
    const arpc = computeArpcMethod1({ cipher, key: arpcKey, arqc, arc: h(input('arcForArpc')) });
    expect(bytesToHex(arpc)).toBe(c.arpc);
  });

  it.each(vectors.cvnMastercard.cases)('CVN $cvn through the issuer path (verifyArqc + computeArpc)', (c) => {
    const common = {
      cipher,
      imk: h(input('imkAc')),
      pan: input('pan'),
      psn: input('psn'),
      cvn: c.cvn,
      data: arqcData,
    };
    const result = verifyArqc({ ...common, arqc: h(c.arqc) });
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    const arpc = computeArpc({
      cipher,
      cvn: c.cvn,
      keys: result.keys,
      arqc: h(c.arqc),
      arc: h(input('arcForArpc')),
    });
    expect(bytesToHex(arpc)).toBe(c.arpc);
    const tampered = h(c.arqc);
    tampered[7] = (tampered[7] ?? 0) ^ 0x01;
    expect(verifyArqc({ ...common, arqc: tampered })).toEqual({ valid: false, code: 'ARQC_MISMATCH' });
    const otherAmount = { ...arqcData, amountAuthorised: h('000000009998') };
    expect(verifyArqc({ ...common, data: otherAmount, arqc: h(c.arqc) }).valid).toBe(false);
  });

  it('the facade computes the CVN 20 ARQC from the card side', () => {
    const emv = createEmvCrypto(cipher);
    const keys = emv.deriveCardKeys({
      imk: h(input('imkAc')),
      pan: input('pan'),
      psn: input('psn'),
      cvn: 20,
      data: arqcData,
    });
    const cvn20 = vectors.cvnMastercard.cases.find((c) => c.cvn === 20);
    expect(bytesToHex(emv.computeArqc({ sessionKey: keys.sessionKey, data: arqcData }))).toBe(cvn20?.arqc);
    expect(
      bytesToHex(
        deriveCardKeys({ cipher, imk: h(input('imkAc')), pan: input('pan'), cvn: 20, data: arqcData }).mk,
      ),
    ).toBe(bytesToHex(keys.mk));
  });
});

describe('TLV vectors', () => {
  it.each(vectors.tlv)('$hex decodes to the given structure', (v) => {
    expect(tlvToObject(decodeTlvOrThrow(h(v.hex)))).toEqual(v.decoded);
  });
});
