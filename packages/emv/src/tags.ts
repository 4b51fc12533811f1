// EMV tag dictionary: names for describe() and the data format that drives DOL padding rules
// (EMV Book 3 Annex A). Formats: b binary, n BCD numeric, cn compressed numeric, an/ans text.

export type TagFormat = 'b' | 'n' | 'cn' | 'an' | 'ans';

export interface TagInfo {
  readonly name: string;
  readonly format: TagFormat;
  /** The value holds a PAN, track data or a cardholder name and is masked in describe(). */
  readonly sensitive?: boolean;
}

const entries: ReadonlyArray<readonly [string, string, TagFormat, boolean?]> = [
  ['42', 'Issuer Identification Number', 'n'],
  ['4F', 'Application Identifier (AID) - card', 'b'],
  ['50', 'Application Label', 'ans'],
  ['57', 'Track 2 Equivalent Data', 'b', true],
  ['5A', 'Application PAN', 'cn', true],
  ['5F20', 'Cardholder Name', 'ans', true],
  ['5F24', 'Application Expiration Date', 'n'],
  ['5F25', 'Application Effective Date', 'n'],
  ['5F28', 'Issuer Country Code', 'n'],
  ['5F2A', 'Transaction Currency Code', 'n'],
  ['5F2D', 'Language Preference', 'an'],
  ['5F30', 'Service Code', 'n'],
  ['5F34', 'PAN Sequence Number', 'n'],
  ['5F50', 'Issuer URL', 'ans'],
  ['61', 'Application Template', 'b'],
  ['6F', 'File Control Information (FCI) Template', 'b'],
  ['70', 'READ RECORD Response Message Template', 'b'],
  ['77', 'Response Message Template Format 2', 'b'],
  ['80', 'Response Message Template Format 1', 'b'],
  ['82', 'Application Interchange Profile', 'b'],
  ['83', 'Command Template', 'b'],
  ['84', 'Dedicated File (DF) Name', 'b'],
  ['87', 'Application Priority Indicator', 'b'],
  ['88', 'Short File Identifier (SFI)', 'b'],
  ['8A', 'Authorisation Response Code', 'an'],
  ['8C', 'CDOL1', 'b'],
  ['8D', 'CDOL2', 'b'],
  ['8E', 'CVM List', 'b'],
  ['8F', 'Certification Authority Public Key Index', 'b'],
  ['90', 'Issuer Public Key Certificate', 'b'],
  ['91', 'Issuer Authentication Data', 'b'],
  ['92', 'Issuer Public Key Remainder', 'b'],
  ['93', 'Signed Static Application Data', 'b'],
  ['94', 'Application File Locator (AFL)', 'b'],
  ['95', 'Terminal Verification Results', 'b'],
  ['9A', 'Transaction Date', 'n'],
  ['9B', 'Transaction Status Information', 'b'],
  ['9C', 'Transaction Type', 'n'],
  ['9F02', 'Amount, Authorised (Numeric)', 'n'],
  ['9F03', 'Amount, Other (Numeric)', 'n'],
  ['9F06', 'Application Identifier (AID) - terminal', 'b'],
  ['9F07', 'Application Usage Control', 'b'],
  ['9F08', 'Application Version Number', 'b'],
  ['9F09', 'Application Version Number (terminal)', 'b'],
  ['9F0A', 'Application Selection Registered Proprietary Data', 'b'],
  ['9F0D', 'Issuer Action Code - Default', 'b'],
  ['9F0E', 'Issuer Action Code - Denial', 'b'],
  ['9F0F', 'Issuer Action Code - Online', 'b'],
  ['9F10', 'Issuer Application Data', 'b'],
  ['9F11', 'Issuer Code Table Index', 'n'],
  ['9F12', 'Application Preferred Name', 'ans'],
  ['9F15', 'Merchant Category Code', 'n'],
  ['9F16', 'Merchant Identifier', 'ans'],
  ['9F1A', 'Terminal Country Code', 'n'],
  ['9F1C', 'Terminal Identification', 'an'],
  ['9F1D', 'Terminal Risk Management Data', 'b'],
  ['9F1E', 'Interface Device (IFD) Serial Number', 'an'],
  ['9F21', 'Transaction Time', 'n'],
  ['9F26', 'Application Cryptogram', 'b'],
  ['9F27', 'Cryptogram Information Data', 'b'],
  ['9F2A', 'Kernel Identifier', 'b'],
  ['9F32', 'Issuer Public Key Exponent', 'b'],
  ['9F33', 'Terminal Capabilities', 'b'],
  ['9F34', 'Cardholder Verification Method (CVM) Results', 'b'],
  ['9F35', 'Terminal Type', 'n'],
  ['9F36', 'Application Transaction Counter (ATC)', 'b'],
  ['9F37', 'Unpredictable Number', 'b'],
  ['9F38', 'Processing Options Data Object List (PDOL)', 'b'],
  ['9F39', 'Point-of-Service (POS) Entry Mode', 'n'],
  ['9F40', 'Additional Terminal Capabilities', 'b'],
  ['9F41', 'Transaction Sequence Counter', 'n'],
  ['9F42', 'Application Currency Code', 'n'],
  ['9F44', 'Application Currency Exponent', 'n'],
  ['9F45', 'Data Authentication Code', 'b'],
  ['9F46', 'ICC Public Key Certificate', 'b'],
  ['9F47', 'ICC Public Key Exponent', 'b'],
  ['9F48', 'ICC Public Key Remainder', 'b'],
  ['9F49', 'DDOL', 'b'],
  ['9F4A', 'Static Data Authentication Tag List', 'b'],
  ['9F4C', 'ICC Dynamic Number', 'b'],
  ['9F4D', 'Log Entry', 'b'],
  ['9F4E', 'Merchant Name and Location', 'ans'],
  ['9F51', 'Application Currency Code (proprietary)', 'b'],
  ['9F53', 'Transaction Category Code', 'an'],
  ['9F5C', 'DS Requested Operator ID', 'b'],
  ['9F5D', 'Application Capabilities Information', 'b'],
  ['9F66', 'Terminal Transaction Qualifiers', 'b'],
  ['9F6B', 'Track 2 Data', 'b', true],
  ['9F6C', 'Mag Stripe Application Version Number (Card)', 'b'],
  ['9F6D', 'Mag Stripe Application Version Number (Reader)', 'b'],
  ['9F6E', 'Third Party Data', 'b'],
  ['9F7C', 'Customer Exclusive Data', 'b'],
  ['A5', 'FCI Proprietary Template', 'b'],
  ['BF0C', 'FCI Issuer Discretionary Data', 'b'],
  ['DF4B', 'POS Cardholder Interaction Information', 'b'],
  ['DF8129', 'Outcome Parameter Set', 'b'],
];

export const tagDictionary: ReadonlyMap<string, TagInfo> = new Map(
  entries.map(([tag, name, format, sensitive]) => [
    tag,
    sensitive ? { name, format, sensitive } : { name, format },
  ]),
);

export function tagInfo(tag: string): TagInfo | undefined {
  return tagDictionary.get(tag.toUpperCase());
}

export function tagName(tag: string): string {
  return tagInfo(tag)?.name ?? 'Unknown tag';
}

/** Unknown tags are treated as binary, the safest DOL padding. */
export function tagFormat(tag: string): TagFormat {
  return tagInfo(tag)?.format ?? 'b';
}
