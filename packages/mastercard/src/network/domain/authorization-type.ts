// DE61 POS data carries the authorization type (tapkit layout: the type's name in upper case, since
// Mastercard's positional DE61 is not public). An absent DE61 is an undefined authorization.

export type AuthorizationType = 'FINAL' | 'PRE_AUTHORIZATION' | 'INCREMENTAL' | 'UNDEFINED';

export const DE61_AUTHORIZATION_TYPE: Readonly<Record<AuthorizationType, string>> = {
  FINAL: 'FINAL',
  PRE_AUTHORIZATION: 'PRE_AUTHORIZATION',
  INCREMENTAL: 'INCREMENTAL',
  UNDEFINED: 'UNDEFINED',
};

const byDe61: ReadonlyMap<string, AuthorizationType> = new Map(
  Object.entries(DE61_AUTHORIZATION_TYPE).map(([type, value]) => [value, type as AuthorizationType]),
);

/** undefined when DE61 holds something else: the caller declines with 12 (invalid transaction). */
export function parseAuthorizationType(de61: string | undefined): AuthorizationType | undefined {
  if (de61 === undefined || de61.trim() === '') return 'UNDEFINED';
  return byDe61.get(de61.trim().toUpperCase());
}
