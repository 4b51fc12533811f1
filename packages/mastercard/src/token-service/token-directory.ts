// The token service as the network sees it (../ports.ts TokenDirectory): state and funding reference
// by token PAN, and the token's ICC master key derived on demand from IMK-AC for ARQC checks.
import type { TokenDirectory, TokenRecord } from '../ports.ts';
import type { TokenStore } from './ports.ts';
import type { TokenService } from './service.ts';

export function createTokenDirectory(deps: { store: TokenStore; service: TokenService }): TokenDirectory {
  return {
    async lookupByTokenPan(tokenPan: string): Promise<TokenRecord | undefined> {
      const token = await deps.store.findTokenByPan(tokenPan);
      if (token === undefined) return undefined;
      return {
        tokenPan: token.tokenPan,
        state: token.status.state,
        tokenUniqueReference: token.tokenUniqueReference,
        // Tapkit's funding account is the MPP customer's wallet, known to Alipay+ by the customer id.
        fundingReference: token.customerId,
        psn: token.psn,
        expiry: token.expiryYymm,
      };
    },
    async iccMasterKey(token: TokenRecord): Promise<Uint8Array> {
      return deps.service.masterKey({ tokenPan: token.tokenPan, psn: token.psn });
    },
  };
}
