// The issuer's side of a tap for tests: rebuilds the ARQC input from the terminal's CDOL values (as
// card-fixture's cdolData sends them) and the card's GENERATE AC answer, and verifies the cryptogram
// from the issuer master key with emv's verifyArqc, exactly as the network does.
import {
  arqcDataFromIccData,
  decodeTlvOrThrow,
  desJsBlockCipher,
  findTlvValue,
  isConstructed,
  verifyArqc,
} from '@tapkit/emv';
import { dataOf, TEST_IMK, TOKEN_PAN } from './card-fixture.ts';

export function generateAcTemplate(response: Uint8Array) {
  const [template] = decodeTlvOrThrow(dataOf(response));
  if (template === undefined || !isConstructed(template) || template.tag !== '77')
    throw new Error('no 77 template');
  return template.children;
}

/** The issuer side: rebuilds the ARQC input from the terminal data and the card's answer, verifies with IMK. */
export function verifyFromIssuer(response: Uint8Array, amountMinor: bigint, pan: string = TOKEN_PAN) {
  const children = generateAcTemplate(response);
  const terminal = decodeTlvOrThrow(
    new Uint8Array([
      ...[0x9f, 0x02, 6, ...toBcd12(amountMinor)],
      ...[0x9f, 0x03, 6, 0, 0, 0, 0, 0, 0],
      ...[0x9f, 0x1a, 2, 0x08, 0x40],
      ...[0x95, 5, 0, 0, 0, 0, 0],
      ...[0x5f, 0x2a, 2, 0x08, 0x40],
      ...[0x9a, 3, 0x26, 0x11, 0x25],
      ...[0x9c, 1, 0],
      ...[0x9f, 0x37, 4, 0x11, 0x22, 0x33, 0x44],
      ...[0x82, 2, 0x18, 0x82],
    ]),
  );
  const collected = arqcDataFromIccData([...terminal, ...children]);
  if (!collected.ok) throw new Error(collected.error.code);
  const arqc = findTlvValue(children, '9F26');
  if (arqc === undefined) throw new Error('no 9F26');
  return {
    verification: verifyArqc({
      cipher: desJsBlockCipher,
      imk: TEST_IMK,
      pan,
      psn: '00',
      cvn: 20,
      data: collected.value.data,
      arqc,
    }),
    iad: collected.value.iad,
    children,
  };
}

function toBcd12(amount: bigint): number[] {
  const digits = amount.toString().padStart(12, '0');
  return Array.from({ length: 6 }, (_, i) => Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16));
}
