/** Message type indicators used by Tapkit. */
export const MTI = {
  AUTHORIZATION_REQUEST: '0100',
  AUTHORIZATION_RESPONSE: '0110',
  AUTHORIZATION_ADVICE: '0120',
  AUTHORIZATION_ADVICE_RESPONSE: '0130',
  REVERSAL_REQUEST: '0400',
  REVERSAL_RESPONSE: '0410',
  REVERSAL_ADVICE: '0420',
  REVERSAL_ADVICE_RESPONSE: '0430',
  NETWORK_MANAGEMENT_REQUEST: '0800',
  NETWORK_MANAGEMENT_RESPONSE: '0810',
  FIRST_PRESENTMENT: '1240',
  FILE_CURRENCY_HEADER_TRAILER: '1644',
} as const;

export type Mti = (typeof MTI)[keyof typeof MTI];

const mtiNames: ReadonlyMap<string, string> = new Map([
  ['0100', 'authorization request'],
  ['0110', 'authorization response'],
  ['0120', 'authorization advice'],
  ['0130', 'authorization advice response'],
  ['0400', 'reversal request'],
  ['0410', 'reversal response'],
  ['0420', 'reversal advice'],
  ['0430', 'reversal advice response'],
  ['0800', 'network management request'],
  ['0810', 'network management response'],
  ['1240', 'first presentment'],
  ['1644', 'file header/trailer'],
]);

export function mtiName(mti: string): string {
  return mtiNames.get(mti) ?? 'unknown message type';
}

/** The response MTI of a request (third digit + 1): 0100 → 0110, 0420 → 0430. */
export function responseMti(mti: string): string {
  const third = Number(mti[2]);
  if (!/^\d{4}$/.test(mti) || third % 2 !== 0) throw new RangeError(`${mti} is not a request MTI`);
  return mti.slice(0, 2) + String(third + 1) + mti.slice(3);
}

/** DE70 codes for 0800/0810. */
export const NETWORK_MANAGEMENT_CODE = { SIGN_ON: '001', SIGN_OFF: '002', ECHO: '301' } as const;

/** DE39 response codes used by Tapkit (one catalog for the network and the issuer processor). */
export const RESPONSE_CODE = {
  APPROVED: '00',
  DO_NOT_HONOR: '05',
  INVALID_TRANSACTION: '12',
  INVALID_AMOUNT: '13',
  INVALID_CARD: '14',
  FORMAT_ERROR: '30',
  INSUFFICIENT_FUNDS: '51',
  EXPIRED_CARD: '54',
  NOT_PERMITTED_TO_CARDHOLDER: '57',
  SUSPECTED_FRAUD: '59',
  AMOUNT_LIMIT_EXCEEDED: '61',
  COUNT_LIMIT_EXCEEDED: '65',
  CRYPTOGRAPHIC_FAILURE: '88',
  ISSUER_UNAVAILABLE: '91',
  DUPLICATE_TRANSMISSION: '94',
  SYSTEM_ERROR: '96',
} as const;

export type ResponseCode = (typeof RESPONSE_CODE)[keyof typeof RESPONSE_CODE];
