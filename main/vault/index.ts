export { Vault, rollbackMessage, type VaultOptions, type VaultRollback, type CredentialGroup } from './vault';
export { damageAdvice, damagedError, isDamageError, diskFullError, isDiskFullError } from './failures';
export type { ImportOptions, ImportProgress, ImportReport, LicenseInput } from './bulk-import';
export {
  PassphraseWrapper,
  SafeStorageWrapper,
  defaultScryptParams,
  MIN_PASSPHRASE_LENGTH,
  type KeyWrapper,
  type WrappedKey,
  type SafeStorageLike,
  type ScryptParams,
} from './key-wrappers';
export { AuditLog, canonicalJson, auditHash, GENESIS_HASH, type AuditEntry, type AuditInput, type AuditVerification } from './audit';
export { migrations, migrate, latestVersion, schemaVersion } from './migrations';
export { openDatabase, type Migration, type VaultDb, type VaultStatement } from './db';
export { AnchorFile, defaultAnchorPath, type AnchorState } from './anchor';
export { VaultLock, type LockHolder } from './lock';
export { restoreVault, type RestoreOptions, type RestoreResult } from './restore';
