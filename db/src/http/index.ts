/** `@ates/db/http`: the kept answers of idempotent requests. */
export {
  claimKey,
  type IdempotencyClaim,
  keepAnswer,
  purgeExpiredKeys,
  releaseKey,
  type StoredAnswer,
  touchClaim,
} from './idempotency-keys.ts';
