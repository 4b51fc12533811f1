// The two Alipay+ APIs the token service calls (authorizeService, notifyTokenUpdated). Their wire
// contract is @tapkit/protocol's (schemas/tokens.ts), shared with the Ant server that answers them;
// this file only keeps the names the token service has always used for it.
import {
  TOKEN_API_PATHS,
  TOKEN_API_RESPONSE_SCHEMAS,
  TOKEN_API_TIMEOUTS_MS,
  TOKEN_SUSPEND_REASONS,
  TOKEN_UPDATE_STATES,
  type TokenApiName,
} from '@tapkit/protocol';
import { SUSPEND_REASONS, TOKEN_STATES } from '@tapkit/protocol/wire/token-service';

export {
  AuthorizeServiceDecisionSchema,
  type AuthorizeServiceRequest,
  AuthorizeServiceRequestSchema,
  type AuthorizeServiceResponse,
  AuthorizeServiceResponseSchema,
  type NotifyTokenUpdatedRequest,
  NotifyTokenUpdatedRequestSchema,
  type NotifyTokenUpdatedResponse,
  NotifyTokenUpdatedResponseSchema,
} from '@tapkit/protocol';

export const ISSUER_API_PATHS = TOKEN_API_PATHS;
export type IssuerApiName = TokenApiName;
export const ISSUER_API_TIMEOUTS_MS = TOKEN_API_TIMEOUTS_MS;
export const ISSUER_RESPONSE_SCHEMAS = TOKEN_API_RESPONSE_SCHEMAS;

// Drift guards (compile time): the token service's state and reason lists are exactly the ones
// notifyTokenUpdated carries; a state added on one side only would fail every notification of it.
TOKEN_STATES satisfies readonly (typeof TOKEN_UPDATE_STATES)[number][];
TOKEN_UPDATE_STATES satisfies readonly (typeof TOKEN_STATES)[number][];
SUSPEND_REASONS satisfies readonly (typeof TOKEN_SUSPEND_REASONS)[number][];
TOKEN_SUSPEND_REASONS satisfies readonly (typeof SUSPEND_REASONS)[number][];
