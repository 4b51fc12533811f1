// An API catalog: the paths, request and response schemas and deadlines of a set of signed APIs. The
// Fastify plugin and the signed client are written once against a catalog, so the merchant-facing
// Alipay+ APIs and the (tapkit) token APIs the Mastercard token service calls share one implementation
// of signing, verification and the wire safeguards.
import type { z } from 'zod';
import { API_PATHS, API_TIMEOUTS_MS } from './result-codes.ts';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './schemas/index.ts';
import {
  TOKEN_API_PATHS,
  TOKEN_API_REQUEST_SCHEMAS,
  TOKEN_API_RESPONSE_SCHEMAS,
  TOKEN_API_TIMEOUTS_MS,
} from './schemas/tokens.ts';

export interface ApiCatalog<N extends string = string> {
  readonly paths: Readonly<Record<N, string>>;
  readonly requests: Readonly<Record<N, z.ZodType>>;
  readonly responses: Readonly<Record<N, z.ZodType>>;
  /** Whole-call deadlines a client uses unless told otherwise. */
  readonly timeoutsMs: Readonly<Record<N, number>>;
}

/** The names of a catalog's APIs. */
export type ApiNameOf<C extends ApiCatalog> = keyof C['paths'] & string;
/** The parsed request body of one API of a catalog. */
export type CatalogRequest<C extends ApiCatalog, A extends ApiNameOf<C>> = z.infer<C['requests'][A]>;
/** The response body of one API of a catalog. */
export type CatalogResponse<C extends ApiCatalog, A extends ApiNameOf<C>> = z.infer<C['responses'][A]>;

/** The Alipay+ APIs between an MPP and Alipay+ (pay, inquiryPayment, ..., notifyPayment, sdkProxy). */
export const ALIPAYPLUS_APIS = {
  paths: API_PATHS,
  requests: REQUEST_SCHEMAS,
  responses: RESPONSE_SCHEMAS,
  timeoutsMs: API_TIMEOUTS_MS,
} as const;
export type AlipayPlusApis = typeof ALIPAYPLUS_APIS;

/** (tapkit) The two Alipay+ APIs the Mastercard token service calls (authorizeService, notifyTokenUpdated). */
export const TOKEN_APIS = {
  paths: TOKEN_API_PATHS,
  requests: TOKEN_API_REQUEST_SCHEMAS,
  responses: TOKEN_API_RESPONSE_SCHEMAS,
  timeoutsMs: TOKEN_API_TIMEOUTS_MS,
} as const;
export type TokenApis = typeof TOKEN_APIS;

ALIPAYPLUS_APIS satisfies ApiCatalog;
TOKEN_APIS satisfies ApiCatalog;
