import { AppError } from '../../common/errors';
import type { LicenseToBurn, ModuleIdentity } from './types';

/**
 * What a burn does with what the module holds before the write, decided here
 * for every protocol:
 * - nothing: `write`;
 * - this very license (its uuid and authkey): `holds-this`, verified without
 *   writing again. The license is on this module (a retried burn whose answer
 *   was lost) and must never go to another one;
 * - another license: refused with ALREADY_AUTHORIZED (nothing written), or
 *   `write` when a supervisor allowed re-authorization.
 */
export function existingLicenseVerdict(existing: ModuleIdentity, license: LicenseToBurn, allowReauthorize = false): 'write' | 'holds-this' {
  if (existing.uuid === null && existing.authkey === null) return 'write';
  if (existing.uuid === license.uuid && existing.authkey === license.authkey) return 'holds-this';
  if (allowReauthorize) return 'write';
  throw new AppError(
    'ALREADY_AUTHORIZED',
    `This module already holds license ${existing.uuid ?? '(uuid empty)'}. Put it aside, or ask a supervisor to allow re-authorization.`,
    { uuid: existing.uuid },
  );
}
