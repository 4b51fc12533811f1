import { bytesToHex, concatBytes, hexToBytes, isHex } from './bytes.ts';
import { err, ok, type Result } from './result.ts';

// BER-TLV as EMV uses it (EMV Book 3 Annex B): tags of 1 to 3 bytes, lengths in short form or long
// form 81/82/83, constructed objects decoded into a tree, 00 bytes between objects skipped.

export interface TlvPrimitive {
  /** Upper-case hex of the tag bytes, e.g. "9F02". */
  readonly tag: string;
  readonly value: Uint8Array;
}

export interface TlvConstructed {
  readonly tag: string;
  readonly children: readonly TlvNode[];
}

export type TlvNode = TlvPrimitive | TlvConstructed;

export type TlvErrorCode =
  | 'TLV_TRUNCATED_TAG'
  | 'TLV_TAG_TOO_LONG'
  | 'TLV_TRUNCATED_LENGTH'
  | 'TLV_INDEFINITE_LENGTH'
  | 'TLV_LENGTH_FORM_UNSUPPORTED'
  | 'TLV_VALUE_TOO_LONG'
  | 'TLV_TRUNCATED_VALUE'
  | 'TLV_DUPLICATE_TAG'
  | 'TLV_DEPTH_EXCEEDED'
  | 'TLV_TOO_MANY_OBJECTS'
  | 'TLV_INVALID_TAG'
  | 'TLV_INVALID_VALUE'
  | 'TLV_KIND_MISMATCH'
  | 'TLV_DOL_LENGTH_MISMATCH';

/** A malformed TLV stream (decoding) or an unencodable tree (encoding). `offset` is in the input. */
export class TlvError extends Error {
  override readonly name = 'TlvError';
  constructor(
    readonly code: TlvErrorCode,
    message: string,
    readonly offset?: number,
  ) {
    super(`${code}: ${message}${offset === undefined ? '' : ` at offset ${offset}`}`);
  }
}

export interface TlvLimits {
  /** Nesting depth of constructed objects; the top level is depth 1. */
  readonly depthMax: number;
  /** Largest value of one object, in bytes. */
  readonly valueBytesMax: number;
  /** Objects in the whole tree, so a stream of tiny objects cannot build a huge tree. */
  readonly objectCountMax: number;
}

export const defaultTlvLimits: TlvLimits = { depthMax: 8, valueBytesMax: 65_535, objectCountMax: 4_096 };

/** EMV tags are at most 3 bytes (e.g. Kernel 2's DF8129). */
export const tagBytesMax = 3;

export function isConstructedTag(tag: string): boolean {
  return isHex(tag) && tag.length >= 2 && (Number.parseInt(tag.slice(0, 2), 16) & 0x20) !== 0;
}

export function isConstructed(node: TlvNode): node is TlvConstructed {
  return 'children' in node;
}

interface Cursor {
  objectCount: number;
}

/** Reads a tag at `offset`; returns the tag hex and the offset after it. */
export function readTag(bytes: Uint8Array, offset: number): Result<{ tag: string; next: number }, TlvError> {
  const first = bytes[offset];
  if (first === undefined) return err(new TlvError('TLV_TRUNCATED_TAG', 'missing tag', offset));
  let end = offset + 1;
  if ((first & 0x1f) === 0x1f) {
    for (;;) {
      const byte = bytes[end];
      if (byte === undefined) {
        return err(new TlvError('TLV_TRUNCATED_TAG', 'tag continues past the end', offset));
      }
      end++;
      if (end - offset > tagBytesMax) {
        return err(new TlvError('TLV_TAG_TOO_LONG', 'tag longer than 3 bytes', offset));
      }
      if ((byte & 0x80) === 0) break;
    }
  }
  return ok({ tag: bytesToHex(bytes.subarray(offset, end)), next: end });
}

/** Reads a BER length (short form, or long form 81/82/83); returns the length and the offset after it. */
export function readLength(
  bytes: Uint8Array,
  offset: number,
  valueBytesMax: number,
): Result<{ length: number; next: number }, TlvError> {
  const first = bytes[offset];
  if (first === undefined) return err(new TlvError('TLV_TRUNCATED_LENGTH', 'missing length', offset));
  if (first < 0x80) return ok({ length: first, next: offset + 1 });
  if (first === 0x80) return err(new TlvError('TLV_INDEFINITE_LENGTH', 'indefinite length', offset));
  const count = first & 0x7f;
  if (count > 3) return err(new TlvError('TLV_LENGTH_FORM_UNSUPPORTED', `${count}-byte length`, offset));
  if (offset + 1 + count > bytes.length) {
    return err(new TlvError('TLV_TRUNCATED_LENGTH', 'length continues past the end', offset));
  }
  let length = 0;
  for (let i = 1; i <= count; i++) length = length * 256 + (bytes[offset + i] ?? 0);
  if (length > valueBytesMax) {
    return err(new TlvError('TLV_VALUE_TOO_LONG', `length ${length} above ${valueBytesMax}`, offset));
  }
  return ok({ length, next: offset + 1 + count });
}

function decodeLevel(
  bytes: Uint8Array,
  start: number,
  end: number,
  depth: number,
  limits: TlvLimits,
  cursor: Cursor,
): Result<TlvNode[], TlvError> {
  if (depth > limits.depthMax) {
    return err(new TlvError('TLV_DEPTH_EXCEEDED', `depth above ${limits.depthMax}`, start));
  }
  const nodes: TlvNode[] = [];
  const seen = new Set<string>();
  let offset = start;
  // Each iteration consumes at least one byte, so the loop is bounded by the input length.
  while (offset < end) {
    if (bytes[offset] === 0x00) {
      offset++;
      continue;
    }
    const tag = readTag(bytes.subarray(0, end), offset);
    if (!tag.ok) return tag;
    const length = readLength(bytes.subarray(0, end), tag.value.next, limits.valueBytesMax);
    if (!length.ok) return length;
    const valueStart = length.value.next;
    const valueEnd = valueStart + length.value.length;
    if (valueEnd > end) {
      return err(new TlvError('TLV_TRUNCATED_VALUE', `${tag.value.tag} value runs past the end`, offset));
    }
    if (seen.has(tag.value.tag)) {
      return err(new TlvError('TLV_DUPLICATE_TAG', `duplicate tag ${tag.value.tag}`, offset));
    }
    seen.add(tag.value.tag);
    cursor.objectCount++;
    if (cursor.objectCount > limits.objectCountMax) {
      return err(new TlvError('TLV_TOO_MANY_OBJECTS', `more than ${limits.objectCountMax} objects`, offset));
    }
    if (isConstructedTag(tag.value.tag)) {
      const children = decodeLevel(bytes, valueStart, valueEnd, depth + 1, limits, cursor);
      if (!children.ok) return children;
      nodes.push({ tag: tag.value.tag, children: children.value });
    } else {
      nodes.push({ tag: tag.value.tag, value: bytes.slice(valueStart, valueEnd) });
    }
    offset = valueEnd;
  }
  return ok(nodes);
}

/** Decodes a BER-TLV stream into a tree. Never throws: bad input gives a TlvError value. */
export function decodeTlv(
  bytes: Uint8Array,
  limits: TlvLimits = defaultTlvLimits,
): Result<TlvNode[], TlvError> {
  return decodeLevel(bytes, 0, bytes.length, 1, limits, { objectCount: 0 });
}

/** Decodes or throws the TlvError, for callers (tests, fixtures) that treat bad input as a bug. */
export function decodeTlvOrThrow(bytes: Uint8Array, limits: TlvLimits = defaultTlvLimits): TlvNode[] {
  const result = decodeTlv(bytes, limits);
  if (!result.ok) throw result.error;
  return result.value;
}

function validTagBytes(tag: string): boolean {
  if (!isHex(tag) || tag.length < 2 || tag.length > tagBytesMax * 2) return false;
  const parsed = readTag(hexToBytes(tag), 0);
  return parsed.ok && parsed.value.next * 2 === tag.length && tag !== '00';
}

export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length <= 0xff) return Uint8Array.of(0x81, length);
  if (length <= 0xffff) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  if (length <= 0xffffff) return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  throw new TlvError('TLV_VALUE_TOO_LONG', `length ${length} needs more than 3 length bytes`);
}

function encodeNode(node: TlvNode, depth: number): Uint8Array {
  if (depth > defaultTlvLimits.depthMax) throw new TlvError('TLV_DEPTH_EXCEEDED', 'tree too deep to encode');
  if (!validTagBytes(node.tag)) throw new TlvError('TLV_INVALID_TAG', `invalid tag "${node.tag}"`);
  if (isConstructed(node) !== isConstructedTag(node.tag)) {
    throw new TlvError(
      'TLV_KIND_MISMATCH',
      `tag ${node.tag} ${isConstructedTag(node.tag) ? 'needs' : 'cannot have'} children`,
    );
  }
  const value = isConstructed(node) ? encodeTlv(node.children, depth + 1) : node.value;
  return concatBytes(hexToBytes(node.tag), encodeLength(value.length), value);
}

/**
 * Encodes a tree with minimal lengths. Throws TlvError on an invalid tree (a programmer error): bad
 * tag, primitive tag with children or the reverse, duplicate tags in one template.
 */
export function encodeTlv(nodes: readonly TlvNode[], depth = 1): Uint8Array {
  const seen = new Set<string>();
  const parts: Uint8Array[] = [];
  for (const node of nodes) {
    if (seen.has(node.tag)) throw new TlvError('TLV_DUPLICATE_TAG', `duplicate tag ${node.tag}`);
    seen.add(node.tag);
    parts.push(encodeNode(node, depth));
  }
  return concatBytes(...parts);
}

/** Depth-first search for the first object with `tag`, at any depth. */
export function findTlv(nodes: readonly TlvNode[], tag: string, depth = 1): TlvNode | undefined {
  const wanted = tag.toUpperCase();
  if (depth > defaultTlvLimits.depthMax) return undefined;
  for (const node of nodes) {
    if (node.tag === wanted) return node;
    if (isConstructed(node)) {
      const found = findTlv(node.children, wanted, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** The value of the first primitive object with `tag`, at any depth. */
export function findTlvValue(nodes: readonly TlvNode[], tag: string): Uint8Array | undefined {
  const node = findTlv(nodes, tag);
  return node && !isConstructed(node) ? node.value : undefined;
}

/** A JSON-friendly view: primitive values as upper-case hex, templates as nested objects. */
export interface TlvObject {
  readonly [tag: string]: string | TlvObject;
}

export function tlvToObject(nodes: readonly TlvNode[]): TlvObject {
  const out: Record<string, string | TlvObject> = {};
  for (const node of nodes)
    out[node.tag] = isConstructed(node) ? tlvToObject(node.children) : bytesToHex(node.value);
  return out;
}

/**
 * The inverse of tlvToObject, handy for building card responses: `{ '77': { '82': '1980' } }`.
 * JavaScript orders integer-like keys ("57", "82") before the others, so build TlvNode arrays
 * directly when the byte order of the objects matters.
 */
export function tlvFromObject(object: TlvObject): TlvNode[] {
  return Object.entries(object).map(([tag, value]) => {
    const upper = tag.toUpperCase();
    if (typeof value === 'string') {
      if (!isHex(value)) throw new TlvError('TLV_INVALID_VALUE', `value of ${upper} is not hex`);
      return { tag: upper, value: hexToBytes(value) };
    }
    return { tag: upper, children: tlvFromObject(value) };
  });
}
