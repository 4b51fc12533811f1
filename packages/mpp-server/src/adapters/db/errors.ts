// Storage error classification lives in @tapkit/storage; the transaction runner retries on
// isRetryableConflict, the repositories turn isUniqueViolation into outcomes.
export { isRetryableConflict, isUniqueViolation } from '@tapkit/storage';
