export {
  parseLicenseList,
  findKnownUuids,
  describeLicenseListErrors,
  type LicenseListRow,
  type LicenseListError,
  type LicenseListErrorCode,
  type LicenseListFormat,
  type LicenseListParse,
  type KnownUuids,
  type ParseLicenseListOptions,
  type SheetRow,
  type XlsxReader,
} from './license-list';
