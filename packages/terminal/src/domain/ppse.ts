import { bytesToHex, decodeTlv, findTlvValue } from '@tapkit/emv';
import { failed, type Parsed, parsed } from './failure.ts';
import { scanLevel, singleValue } from './scan.ts';

// The payment directory (PPSE, "2PAY.SYS.DDF01") and the choice of the application (EMV Book B,
// entry point): 6F{84, A5{BF0C{61{4F AID, 50 label, 87 priority}...}}}.

export const PPSE_NAME = '2PAY.SYS.DDF01';

export interface DirectoryEntry {
  /** 4F, upper-case hex. */
  readonly aid: string;
  readonly label: string | undefined;
  /** 87 low nibble, 1 highest; undefined when absent or 0 (no priority). */
  readonly priority: number | undefined;
}

/** ADF names are 5 to 16 bytes (ISO 7816-5). */
const aidBytesMin = 5;
const aidBytesMax = 16;

function parseEntry(value: Uint8Array): DirectoryEntry | undefined {
  const tree = decodeTlv(value);
  if (!tree.ok) return undefined;
  const aid = findTlvValue(tree.value, '4F');
  if (aid === undefined || aid.length < aidBytesMin || aid.length > aidBytesMax) return undefined;
  const label = findTlvValue(tree.value, '50');
  const priorityByte = findTlvValue(tree.value, '87');
  const nibble = priorityByte?.length === 1 ? (priorityByte[0] ?? 0) & 0x0f : 0;
  return {
    aid: bytesToHex(aid),
    label:
      label === undefined ? undefined : String.fromCharCode(...label.filter((b) => b >= 0x20 && b < 0x7f)),
    priority: nibble === 0 ? undefined : nibble,
  };
}

/** The directory entries of a SELECT PPSE answer. Entries that do not decode are skipped. */
export function parsePpse(data: Uint8Array): Parsed<DirectoryEntry[]> {
  const top = scanLevel(data);
  if (top === undefined) return failed('SELECT_PPSE', 'RESPONSE_MALFORMED', 'PPSE answer is not BER-TLV');
  const fci = singleValue(top, '6F');
  if (fci === undefined) return failed('SELECT_PPSE', 'MANDATORY_DATA_MISSING', 'no single 6F template');
  const fciLevel = scanLevel(fci);
  const proprietary = fciLevel === undefined ? undefined : singleValue(fciLevel, 'A5');
  const proprietaryLevel = proprietary === undefined ? undefined : scanLevel(proprietary);
  const directory = proprietaryLevel === undefined ? undefined : singleValue(proprietaryLevel, 'BF0C');
  const directoryLevel = directory === undefined ? undefined : scanLevel(directory);
  if (directoryLevel === undefined) {
    return failed('SELECT_PPSE', 'MANDATORY_DATA_MISSING', 'no directory (A5/BF0C) in the PPSE answer');
  }
  const entries: DirectoryEntry[] = [];
  for (const object of directoryLevel) {
    if (object.tag !== '61') continue;
    const entry = parseEntry(object.value);
    if (entry !== undefined) entries.push(entry);
  }
  return parsed(entries);
}

/**
 * The entry to select: one whose AID starts with a supported AID, the highest priority first (1 is
 * highest, no priority last), the card's order among equals.
 */
export function chooseApplication(
  entries: readonly DirectoryEntry[],
  supportedAids: readonly string[],
): DirectoryEntry | undefined {
  const supported = supportedAids.map((aid) => aid.toUpperCase());
  const candidates = entries.filter((entry) => supported.some((aid) => entry.aid.startsWith(aid)));
  const rank = (entry: DirectoryEntry): number => entry.priority ?? 16;
  return candidates
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => rank(a.entry) - rank(b.entry) || a.index - b.index)[0]?.entry;
}
