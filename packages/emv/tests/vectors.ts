import { readFileSync } from 'node:fs';

// Public EMV test vectors, copied into the repository so a clone alone passes its tests.
const vectorsUrl = new URL('./fixtures/emv-vectors.json', import.meta.url);

export interface EmvVectors {
  iccMasterKeyOptionA: { imk: string; pan: string; psn: string; mk: string }[];
  commonSessionKey: { mk: string; r: string; sk: string }[];
  retailMacAlg3Pad2: { key: string; data: string; mac: string }[];
  arpcMethod1: { key: string; arqc: string; arc: string; arpc: string }[];
  kcv: { key: string; kcv: string }[];
  cvnMastercard: {
    inputs: Record<string, string>;
    cases: {
      cvn: 16 | 20;
      mkKcv: string;
      skKcv: string;
      arqc: string;
      arpc: string;
      arpcKey: 'MK' | 'SK';
    }[];
  };
  tlv: { hex: string; decoded: unknown }[];
}

export const vectors: EmvVectors = JSON.parse(readFileSync(vectorsUrl, 'utf8'));
