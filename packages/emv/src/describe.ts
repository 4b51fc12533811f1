import { bytesToAscii, bytesToHex } from './bytes.ts';
import { tagInfo, tagName } from './tags.ts';
import { isConstructed, type TlvNode } from './tlv.ts';

/** Masks a PAN to its first 6 and last 4 digits; shorter PANs keep only the last 4. */
export function maskPan(pan: string): string {
  if (pan.length >= 13) return pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4);
  return '*'.repeat(Math.max(0, pan.length - 4)) + pan.slice(-4);
}

/** Masks track 2 data (PAN, separator, rest): the PAN as maskPan, everything after it starred. */
export function maskTrack2(track2: string): string {
  const separator = track2.search(/[=D]/i);
  if (separator < 0) return '*'.repeat(track2.length);
  return maskPan(track2.slice(0, separator)) + track2[separator] + '*'.repeat(track2.length - separator - 1);
}

function describeValue(tag: string, value: Uint8Array): string {
  const info = tagInfo(tag);
  const hex = bytesToHex(value);
  if (info?.sensitive) {
    if (tag === '5A') return maskPan(hex.replace(/F+$/, ''));
    if (tag === '57' || tag === '9F6B') return maskTrack2(hex.replace(/F+$/, ''));
    return `<${value.length} bytes masked>`;
  }
  const printable = /^[\x20-\x7e]*$/.test(bytesToAscii(value));
  if ((info?.format === 'an' || info?.format === 'ans') && printable) {
    return `${hex} "${bytesToAscii(value)}"`;
  }
  return hex;
}

/**
 * One line per object, indented by depth, with the dictionary name. PAN and track data are
 * masked so the output is safe for logs and test failure messages.
 */
export function describeTlv(nodes: readonly TlvNode[], indent = 0): string {
  const lines: string[] = [];
  const pad = '  '.repeat(indent);
  for (const node of nodes) {
    if (isConstructed(node)) {
      lines.push(`${pad}${node.tag} ${tagName(node.tag)}`);
      if (indent < 16) lines.push(describeTlv(node.children, indent + 1));
    } else {
      lines.push(
        `${pad}${node.tag} ${tagName(node.tag)} [${node.value.length}]: ${describeValue(node.tag, node.value)}`,
      );
    }
  }
  return lines.filter((line) => line.length > 0).join('\n');
}
