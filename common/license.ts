import { z } from 'zod';

/** A license as the platform sells it: uuid + authkey (secret), optional MAC. */
export const uuidSchema = z.string().regex(/^[0-9a-z]{16}$|^[0-9a-z]{20}$/, 'uuid must be 16 or 20 characters of 0-9 and a-z');
export const authkeySchema = z.string().regex(/^[0-9A-Za-z]{32}$/, 'authkey must be 32 characters of 0-9, a-z and A-Z');
export const macSchema = z.string().regex(/^[0-9A-Fa-f]{12}$/, 'MAC must be 12 hexadecimal digits');
export const pidSchema = z.string().min(1).max(32);

export const licenseSchema = z.object({
  uuid: uuidSchema,
  authkey: authkeySchema,
  mac: macSchema.optional(),
});
export type License = z.infer<typeof licenseSchema>;

/** Station-side license states (ARCHITECTURE.md "License"). */
export const licenseStates = [
  'available',
  'reserved',
  'sending',
  'written',
  'verified',
  'reported',
  'suspect',
  'void',
  'rejected',
] as const;
export type LicenseState = (typeof licenseStates)[number];
