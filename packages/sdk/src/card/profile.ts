// The card's static answers (docs/protocol/emv.md#card-profile), built once per token from the card
// profile the token service provisioned. Pure: the same profile always gives the same bytes.

import {
  type AflEntry,
  asciiToBytes,
  type DolEntry,
  encodeTlv,
  hexToBytes,
  parseAfl,
  parseDol,
  type TlvNode,
} from '@tapkit/emv';
import type { CardProfile } from '@tapkit/protocol/wire/token-service';

export const PPSE_NAME = asciiToBytes('2PAY.SYS.DDF01');

/**
 * (tapkit) PDOL: terminal country code and terminal type. The card needs neither to decide (the
 * decision waits for GENERATE AC), but a PDOL makes the terminal prove it builds DOL data from the
 * card's list rather than from assumptions.
 */
export const CARD_PDOL = hexToBytes('9F1A029F3501');

/** (tapkit) 9F42 application currency code: the card is not tied to a currency; 840 as a neutral default. */
export const APPLICATION_CURRENCY_CODE = hexToBytes('0840');

export interface CardStatics {
  readonly aid: Uint8Array;
  readonly ppseFci: Uint8Array;
  readonly aidFci: Uint8Array;
  readonly gpoResponse: Uint8Array;
  readonly pdol: readonly DolEntry[];
  readonly cdol1: readonly DolEntry[];
  readonly aip: Uint8Array;
  readonly afl: readonly AflEntry[];
  /** READ RECORD answers by `${sfi}/${record}`. */
  readonly records: ReadonlyMap<string, Uint8Array>;
  readonly keyDerivationIndex: number;
  readonly cryptogramVersionNumber: number;
}

const primitive = (tag: string, value: Uint8Array): TlvNode => ({ tag, value });

/** The PAN as cn: digits left-justified, padded with F to whole bytes. */
function panBytes(pan: string): Uint8Array {
  return hexToBytes(pan.length % 2 === 0 ? pan : `${pan}F`);
}

export function recordKey(sfi: number, record: number): string {
  return `${sfi}/${record}`;
}

/** Builds the static answers; throws on a profile that cannot describe a card (a token service bug). */
export function buildCardStatics(profile: CardProfile): CardStatics {
  const aid = hexToBytes(profile.aid);
  const label = asciiToBytes(profile.applicationLabel);
  const cdol1 = parseDol(hexToBytes(profile.cdol1));
  const afl = parseAfl(hexToBytes(profile.afl));
  const pdol = parseDol(CARD_PDOL);
  if (!cdol1.ok || !afl.ok || !pdol.ok) throw new Error('card profile has a malformed CDOL1 or AFL');
  const ppseFci = encodeTlv([
    {
      tag: '6F',
      children: [
        primitive('84', PPSE_NAME),
        {
          tag: 'A5',
          children: [
            {
              tag: 'BF0C',
              children: [
                {
                  tag: '61',
                  children: [primitive('4F', aid), primitive('50', label), primitive('87', Uint8Array.of(1))],
                },
              ],
            },
          ],
        },
      ],
    },
  ]);
  const aidFci = encodeTlv([
    {
      tag: '6F',
      children: [
        primitive('84', aid),
        { tag: 'A5', children: [primitive('50', label), primitive('9F38', CARD_PDOL)] },
      ],
    },
  ]);
  const aip = hexToBytes(profile.aip);
  const gpoResponse = encodeTlv([
    { tag: '77', children: [primitive('82', aip), primitive('94', hexToBytes(profile.afl))] },
  ]);
  return {
    aid,
    ppseFci,
    aidFci,
    gpoResponse,
    pdol: pdol.value,
    cdol1: cdol1.value,
    aip,
    afl: afl.value,
    records: buildRecords(profile, afl.value),
    keyDerivationIndex: profile.keyDerivationIndex,
    cryptogramVersionNumber: profile.cryptogramVersionNumber,
  };
}

/** The one record of the Tapkit card goes to the first record the AFL names. */
function buildRecords(profile: CardProfile, afl: readonly AflEntry[]): Map<string, Uint8Array> {
  const first = afl[0];
  if (first === undefined) throw new Error('card profile AFL names no record');
  const record = encodeTlv([
    {
      tag: '70',
      children: [
        primitive('57', hexToBytes(profile.track2EquivalentData)),
        primitive('5A', panBytes(profile.tokenPan)),
        primitive('5F24', hexToBytes(profile.expiryDate)),
        primitive('5F34', hexToBytes(profile.psn)),
        primitive('8C', hexToBytes(profile.cdol1)),
        primitive('9F42', APPLICATION_CURRENCY_CODE),
      ],
    },
  ]);
  return new Map([[recordKey(first.sfi, first.firstRecord), record]]);
}
