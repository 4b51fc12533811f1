import {
  concatBytes,
  DE48_SUBELEMENT,
  type FieldValue,
  getSubelements,
  type Iso8583Message,
  RESPONSE_CODE,
  responseMti,
  type Subelement,
  type TlvNode,
} from '@tapkit/emv';

// Building the messages the network sends, from the ones it received. Pure.

/** (tapkit) DE48 subelement: the network trace id of the authorization an incremental adds to. */
export const DE48_ORIGINAL_NETWORK_TRACE_ID = '04';

/**
 * Fields that identify the card: they stay between the acquirer and the network. The issuer processor
 * gets the token unique reference and the funding reference in DE48 instead of the token PAN.
 */
const cardFields: readonly number[] = [2, 14, 23, 35];

/** Fields a response echoes from its request (ISO 8583 "mandatory echo"). */
const echoedFields: readonly number[] = [2, 3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49, 61, 63, 70, 90, 95];

function withFields(
  message: Iso8583Message,
  mti: string,
  changes: ReadonlyMap<number, FieldValue | undefined>,
) {
  const fields = new Map(message.fields);
  for (const [field, value] of changes) {
    if (value === undefined) fields.delete(field);
    else fields.set(field, value);
  }
  return { mti, fields };
}

/** The acquirer's request as the issuer processor gets it: no card fields, references in DE48, DE63 set. */
export function toIssuerRequest(
  request: Iso8583Message,
  input: {
    tokenUniqueReference: string;
    fundingReference: string;
    networkTraceId: string;
    originalNetworkTraceId?: string;
  },
): Iso8583Message {
  const replaced = new Set<string>([
    DE48_SUBELEMENT.TOKEN_UNIQUE_REFERENCE,
    DE48_SUBELEMENT.FUNDING_REFERENCE,
    DE48_ORIGINAL_NETWORK_TRACE_ID,
  ]);
  const kept = (getSubelements(request) ?? []).filter((element) => !replaced.has(element.id));
  const added: Subelement[] = [
    { id: DE48_SUBELEMENT.TOKEN_UNIQUE_REFERENCE, value: input.tokenUniqueReference },
    { id: DE48_SUBELEMENT.FUNDING_REFERENCE, value: input.fundingReference },
  ];
  if (input.originalNetworkTraceId !== undefined) {
    added.push({ id: DE48_ORIGINAL_NETWORK_TRACE_ID, value: input.originalNetworkTraceId });
  }
  const subelements = [...kept, ...added].sort((a, b) => a.id.localeCompare(b.id));
  const changes = new Map<number, FieldValue | undefined>(cardFields.map((field) => [field, undefined]));
  changes.set(48, subelements);
  changes.set(63, input.networkTraceId);
  return withFields(request, request.mti, changes);
}

/** A response to `request` carrying the echoed fields plus `extra` (DE38, DE39, DE55, ...). */
export function responseTo(request: Iso8583Message, extra: ReadonlyMap<number, FieldValue>): Iso8583Message {
  const fields = new Map<number, FieldValue>();
  for (const field of echoedFields) {
    const value = request.fields.get(field);
    if (value !== undefined) fields.set(field, value);
  }
  for (const [field, value] of extra) fields.set(field, value);
  return { mti: responseMti(request.mti), fields };
}

export function responseWithCode(request: Iso8583Message, responseCode: string, networkTraceId?: string) {
  const extra = new Map<number, FieldValue>([[39, responseCode]]);
  if (networkTraceId !== undefined) extra.set(63, networkTraceId);
  return responseTo(request, extra);
}

/** DE55 of an approved 0110: tag 91 issuer authentication data = ARPC (8) ‖ ARC (2). */
export function issuerAuthenticationData(arpc: Uint8Array, arc: Uint8Array): TlvNode[] {
  return [{ tag: '91', value: concatBytes(arpc, arc) }];
}

/** The authorization response code as the 2-byte ARC the card sees ("00" → 30 30). */
export function arcOf(responseCode: string): Uint8Array {
  return Uint8Array.from([responseCode.charCodeAt(0) & 0xff, responseCode.charCodeAt(1) & 0xff]);
}

/** 0120 advice telling the issuer what the network decided while standing in for it. */
export function standInAdvice(issuerRequest: Iso8583Message, approvalCode: string): Iso8583Message {
  const changes = new Map<number, FieldValue | undefined>([
    [38, approvalCode],
    [39, RESPONSE_CODE.APPROVED],
  ]);
  return withFields(issuerRequest, '0120', changes);
}

/** A reversal request the issuer never answered, queued as a 0420 advice. */
export function reversalAdvice(issuerRequest: Iso8583Message): Iso8583Message {
  return withFields(issuerRequest, '0420', new Map());
}

/** DE90 (n42): original MTI, STAN, transmission date-time, acquirer id, forwarding institution id. */
export interface OriginalDataElements {
  readonly mti: string;
  readonly stan: string;
  readonly transmissionDateTime: string;
  readonly acquirerId: string;
}

export function parseOriginalDataElements(de90: string | undefined): OriginalDataElements | undefined {
  if (de90 === undefined || !/^\d{42}$/.test(de90)) return undefined;
  return {
    mti: de90.slice(0, 4),
    stan: de90.slice(4, 10),
    transmissionDateTime: de90.slice(10, 20),
    acquirerId: de90.slice(20, 31).replace(/^0+(?=\d)/, ''),
  };
}

export function formatOriginalDataElements(original: OriginalDataElements): string {
  return (
    original.mti +
    original.stan.padStart(6, '0') +
    original.transmissionDateTime.padStart(10, '0') +
    original.acquirerId.padStart(11, '0') +
    '0'.repeat(11)
  );
}

/** How a reversal finds its authorization: acquirer id | STAN | transmission date-time. */
export function acquirerKeyOf(input: {
  acquirerId: string;
  stan: string;
  transmissionDateTime: string;
}): string {
  const acquirerId = input.acquirerId.replace(/^0+(?=\d)/, '');
  return `${acquirerId}|${input.stan.padStart(6, '0')}|${input.transmissionDateTime.padStart(10, '0')}`;
}
