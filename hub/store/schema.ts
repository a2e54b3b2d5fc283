/** Table types of the hub's store (both dialects). Booleans are 0/1 integers and times ISO-8601 text, so one code path serves SQLite and PostgreSQL. */
import type { Generated } from 'kysely';

export interface ProductTable {
  pid: string;
  name: string;
  price_cents: number;
  homekit: number;
  findmy: number;
  created_at: string;
  /** What each advanced feature adds to the price of one license (counted only when the product has the feature). */
  homekit_price_cents: Generated<number>;
  findmy_price_cents: Generated<number>;
}
export interface FactoryTable {
  id: string;
  name: string;
  created_at: string;
}
export interface LineTable {
  id: string;
  factory_id: string;
  name: string;
  created_at: string;
}
export interface StationTable {
  id: string;
  factory_id: string;
  line_id: string;
  name: string;
  token_hash: string | null;
  hostname: string | null;
  enrolled_at: string | null;
  revoked_at: string | null;
  last_seen_at: string | null;
  /** Last lease batch number handed to this station; pull cursors count on it. */
  lease_counter: number;
  /** Where the hub sends this station's download codes ('email' | 'sms' and the address); set by the hub operator. */
  contact_channel: string | null;
  contact_destination: string | null;
  created_at: string;
  /** What the station last said about itself on a pull or push: outbox items, suspect licenses, and when. */
  outbox_length: number | null;
  suspect_count: number | null;
  status_at: string | null;
  /** The newest audit head the station reported with a push (sequence and hash); null before its first report. */
  audit_seq: number | null;
  audit_hash: string | null;
}
export interface EnrollmentCodeTable {
  code_hash: string;
  station_id: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}
export interface CredentialTable {
  id: string;
  pid: string;
  owner: string;
  customer_name: string | null;
  confirmed_at: string | null;
  delivery_mode: string;
  purchased_count: number;
  free_count: number;
  firmware_key: string;
  chip: string;
  parent_id: string | null;
  origin: string;
  factory_id: string | null;
  line_id: string | null;
  station_id: string | null;
  state: string;
  created_at: string;
  updated_at: string;
  /** What people call the credential, and the order it was bought with (both searchable in the console). */
  name: string | null;
  order_no: string | null;
}
export interface LicenseTable {
  uuid: string;
  credential_id: string;
  authkey: string;
  mac: string | null;
  kind: string;
  status: string;
  station_id: string | null;
  lease_seq: number | null;
  /** When the hub leased it to the station that holds it (kept when a group or bundle moves it to another station). */
  leased_at: string | null;
  burned_at: string | null;
  burned_pid: string | null;
  burned_mac: string | null;
  spoiled_reason: string | null;
  rejected_reason: string | null;
  imported_at: string;
}
export interface UpdateRequestTable {
  id: string;
  credential_id: string;
  from_pid: string;
  to_pid: string;
  from_mode: string;
  to_mode: string;
  license_count: number;
  price_diff_cents: number;
  prev_state: string;
  state: string;
  created_at: string;
  approved_at: string | null;
  paid_at: string | null;
  payment_ref: string | null;
  completed_at: string | null;
  recalled_at: string | null;
  /** The platform refused the change (migration 015), with its reason. */
  rejected_at: string | null;
  reject_reason: string | null;
  /** Purchased licenses among license_count: the price difference is charged for these only (null: made before migration 011, all). */
  charged_count: number | null;
}
export interface CredentialEventTable {
  id: string;
  credential_id: string;
  at: string;
  kind: string;
  details: string;
  seq: Generated<number>;
}
export interface PushItemTable {
  station_id: string;
  idem_key: string;
  kind: string;
  status: string;
  code: string | null;
  reason: string | null;
  at: string;
}
/** A code sent to an account's email or phone to verify it. */
export interface ContactCodeTable {
  id: string;
  account_id: string;
  channel: string;
  destination: string;
  code_hash: string;
  expires_at: string;
  used_at: string | null;
  attempts: number;
  created_at: string;
}
export interface DownloadCodeTable {
  id: string;
  credential_id: string;
  code_hash: string;
  channel: string;
  destination: string;
  expires_at: string;
  used_at: string | null;
  attempts: number;
  created_at: string;
}
export interface JobTable {
  id: string;
  credential_id: string;
  kind: string;
  kinds: string;
  state: string;
  total: number;
  done_count: number;
  claimed_by: string | null;
  lease_until: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}
export interface ThirdPartyResourceTable {
  license_uuid: string;
  kind: string;
  job_id: string;
  payload: string;
  created_at: string;
}
export interface NoticeTable {
  id: string;
  kind: string;
  message: string;
  credential_id: string | null;
  job_id: string | null;
  created_at: string;
}

/** A transfer bundle its target claimed (transfer_in applied); the source's transfer_out looks it up by bundle id. */
export interface TransferClaimTable {
  bundle_id: string;
  credential_id: string;
  source_station_id: string;
  target_station_id: string;
  claimed_at: string;
}

export interface AccountTable {
  id: string;
  name: string;
  role: string;
  factory_id: string | null;
  email: string | null;
  email_verified_at: string | null;
  phone: string | null;
  phone_verified_at: string | null;
  /** `scrypt$N$r$p$salt$hash` (base64url). */
  password_hash: string;
  must_change_password: number;
  /** Base32, sealed under the master key (`e1.` ..., authkeys.ts); set while the second factor is set up, enabled once a code confirmed it. */
  totp_secret: string | null;
  totp_enabled_at: string | null;
  totp_last_step: number | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
  /** A factory account at its factory's stations: signs on as an operator with the number or the badge; a supervisor with the PIN (its scrypt hash). */
  operator_number: string | null;
  badge: string | null;
  station_pin_hash: string | null;
}
/** A signed-in browser; the cookie holds the token, the hub its sha256. */
export interface SessionTable {
  id: string;
  token_hash: string;
  account_id: string;
  csrf_token: string;
  address: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ended_at: string | null;
}
export interface ApiKeyTable {
  id: string;
  account_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}
/** Failed sign-ins per account name (`account:NAME`) and per client address (`address:IP`). */
export interface AuthThrottleTable {
  key: string;
  failures: number;
  locked_until: string | null;
  last_failure_at: string;
}
export interface AuditLogTable {
  seq: number;
  at: string;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  actor_via: string | null;
  address: string | null;
  kind: string;
  credential_id: string | null;
  target: string | null;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
}
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface HubDatabase {
  products: ProductTable;
  factories: FactoryTable;
  lines: LineTable;
  stations: StationTable;
  enrollment_codes: EnrollmentCodeTable;
  credentials: CredentialTable;
  licenses: LicenseTable;
  update_requests: UpdateRequestTable;
  credential_events: CredentialEventTable;
  push_items: PushItemTable;
  download_codes: DownloadCodeTable;
  contact_codes: ContactCodeTable;
  jobs: JobTable;
  third_party_resources: ThirdPartyResourceTable;
  notices: NoticeTable;
  transfer_claims: TransferClaimTable;
  accounts: AccountTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  auth_throttle: AuthThrottleTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
}
