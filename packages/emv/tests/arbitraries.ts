import fc from 'fast-check';
import { bytesToHex } from '../src/bytes.ts';
import type {
  Charset,
  FieldSpec,
  FieldValue,
  Iso8583Message,
  Iso8583Spec,
  Subelement,
} from '../src/iso8583/spec.ts';
import { encodeTlv, type TlvNode } from '../src/tlv.ts';

const multiByteFirst = [0x1f, 0x5f, 0x9f, 0xdf];

function tagArbitrary(constructed: boolean): fc.Arbitrary<string> {
  const flag = constructed ? 0x20 : 0;
  const oneByte = fc
    .integer({ min: 1, max: 255 })
    .filter((b) => (b & 0x1f) !== 0x1f && (b & 0x20) === flag)
    .map((b) => bytesToHex(Uint8Array.of(b)));
  const twoBytes = fc
    .tuple(fc.constantFrom(...multiByteFirst), fc.integer({ min: 0, max: 0x7f }))
    .map(([a, b]) => bytesToHex(Uint8Array.of(a | flag, b)));
  const threeBytes = fc
    .tuple(
      fc.constantFrom(...multiByteFirst),
      fc.integer({ min: 0x80, max: 0xff }),
      fc.integer({ min: 0, max: 0x7f }),
    )
    .map(([a, b, c]) => bytesToHex(Uint8Array.of(a | flag, b, c)));
  return fc.oneof(oneByte, twoBytes, threeBytes);
}

/** TLV trees with unique tags per template, values up to 300 bytes (so 81 and 82 lengths occur). */
export function tlvTreeArbitrary(
  options: { depthMax?: number; valueBytesMax?: number } = {},
): fc.Arbitrary<TlvNode[]> {
  const valueBytesMax = options.valueBytesMax ?? 300;
  const { tree } = fc.letrec<{ tree: TlvNode[]; node: TlvNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth: options.depthMax ?? 4 },
      fc.record({ tag: tagArbitrary(false), value: fc.uint8Array({ maxLength: valueBytesMax }) }),
      fc.record({ tag: tagArbitrary(true), children: tie('tree') }),
    ),
    tree: fc.uniqueArray(tie('node'), { maxLength: 5, selector: (node) => node.tag }),
  }));
  return tree;
}

const charsetAlphabet: Record<Charset, string> = {
  n: '0123456789',
  an: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ',
  ans: ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~',
  z: '0123456789=D',
};

function textArbitrary(charset: Charset, minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...charsetAlphabet[charset]), { minLength, maxLength })
    .map((chars) => chars.join(''));
}

const subelementsArbitrary: fc.Arbitrary<Subelement[]> = fc.uniqueArray(
  fc.record({
    id: fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0')),
    value: textArbitrary('ans', 0, 30),
  }),
  { maxLength: 8, selector: (element) => element.id },
);

function fieldValueArbitrary(spec: FieldSpec): fc.Arbitrary<FieldValue> {
  const max = spec.length.type === 'fixed' ? spec.length.length : spec.length.max;
  const min = spec.length.type === 'fixed' ? max : 0;
  switch (spec.kind.type) {
    case 'text':
      return textArbitrary(spec.kind.charset, min, Math.min(max, 120));
    case 'binary':
      return fc.uint8Array({ minLength: min, maxLength: max });
    case 'tlv':
      return tlvTreeArbitrary({ depthMax: 2, valueBytesMax: 40 }).filter(
        (tree) => encodeTlv(tree).length <= max,
      );
    case 'subelements':
      return subelementsArbitrary;
  }
}

/** Valid messages for a spec: any subset of its fields with values that fit. */
export function messageArbitrary(spec: Iso8583Spec): fc.Arbitrary<Iso8583Message> {
  const fieldSpecs = [...spec.fields.values()];
  const fields = fc
    .subarray(fieldSpecs)
    .chain((chosen) =>
      fc.tuple(
        ...chosen.map((field) => fieldValueArbitrary(field).map((value) => [field.id, value] as const)),
      ),
    );
  const mti = fc.integer({ min: 0, max: 999 }).map((n) => spec.versionDigit + String(n).padStart(3, '0'));
  return fc.record({ mti, fields }).map(({ mti, fields }) => ({
    mti,
    fields: new Map<number, FieldValue>([...fields].sort((a, b) => a[0] - b[0])),
  }));
}
