// Storage error classification lives in @tapkit/storage; the adapters turn these into outcomes.
export { isUniqueViolation } from '@tapkit/storage';
