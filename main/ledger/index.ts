export { Ledger, ledgerQueries, type Reservation, type LicenseInfo, type GroupCounts, type RecoveryReport, type ModuleRecord } from './ledger';
export { ledgerActions, nextState, exposedStates, type LedgerAction } from './states';
export { burnReportCsv, csvField, type BurnRecord } from './report';
