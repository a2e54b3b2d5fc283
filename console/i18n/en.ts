/** English words of the console. zh-CN.ts has the same keys (test/unit/console/i18n.test.ts checks). */
export const en = {
  app: { title: 'Credential Hub console', loading: 'Opening the console…', signOut: 'Sign out', signedInAs: '{{name}} · {{role}}', language: 'Language', screens: 'Screens', dismiss: 'Dismiss' },
  nav: { credentials: 'Credentials', approvals: 'Approvals', factories: 'Factories', fleet: 'Fleet', audit: 'Audit' },
  role: { platform: 'Platform', owner: 'Credential manager', factory: 'Factory manager', auditor: 'Auditor' },
  signIn: {
    title: 'Sign in to the hub', name: 'Account name', password: 'Password', totp: 'Authenticator code', totpHint: '6 digits from your authenticator app',
    submit: 'Sign in', expired: 'Your session ended. Sign in again.', signedOut: 'You signed out.',
    changeTitle: 'Choose your own password', changeText: 'The password you signed in with was for one use: choose your own (at least 12 characters, not containing your account name).',
    current: 'One-time password', newPassword: 'New password', newPassword2: 'New password again', mismatch: 'The two new passwords differ: type them again.', change: 'Save the password',
    totpTitle: 'Set up your second factor', totpText: 'Scan the code with your authenticator app (or type the secret), then enter the 6-digit code it shows.', secret: 'Secret', totpQr: 'QR code for the authenticator app', confirm: 'Turn it on',
  },
  credentials: {
    title: 'Manage credentials', mine: 'My credentials', customers: "Customer's credentials", search: 'Search', searchHint: 'name, order number, PID or id',
    filterState: 'State', filterProduct: 'Product', filterFactory: 'Factory', filterDelivery: 'Delivery mode', all: 'All', clear: 'Clear filters',
    empty: 'No credential matches.', count: '{{count}} credentials', count_one: '{{count}} credential', page: 'Page {{page}} of {{pages}}', prev: 'Previous page', next: 'Next page', pageSize: 'Rows per page',
    sortBy: 'Sort by {{column}}', refresh: 'Refresh',
    col: {
      name: 'Name / order no.', product: 'Product', purchased: 'Purchased', free: 'Free', total: 'Total', unused: 'Unused', leased: 'Leased', burned: 'Burned', spoiled: 'Spoiled', exported: 'Exported',
      delivery: 'Delivery mode', state: 'State', assignment: 'Assignment', created: 'Created', operation: 'Operation',
    },
    unassigned: 'not assigned', anyLine: 'any line', anyStation: 'any station',
  },
  state: { valid: 'Valid', confirming_update: 'Confirming update', being_paid: 'Being paid', updated: 'Updated', list_generated: 'List generated' },
  delivery: { credential: 'Credential', credential_auth_only: 'Credential (authorization only)', license_list: 'License list' },
  action: {
    download: 'Download Credential', split: 'Split Quantity', change_product: 'Change Product', generate_resources: 'Generate third-party resources',
    update_details: 'Update Details', update_history: 'Credential Update Details', confirm_generate_download: 'Confirm to Generate and Download', recall: 'Recall', confirm: 'Confirm',
  },
  updateState: { confirming_update: 'Under review', being_paid: 'Waiting for payment', updated: 'Updated', recalled: 'Recalled' },
  dialog: { close: 'Close', cancel: 'Cancel', ok: 'OK', back: 'Back', working: 'Working…' },
  download: {
    title: 'Download Credential', listTitle: 'Confirm to Generate and Download', channel: 'Send the verification code by', email: 'Email ({{to}})', sms: 'SMS ({{to}})', noContact: 'Your account has no verified email or phone: ask the platform to add one.',
    send: 'Send the code', sent: 'A 6-digit code was sent to {{to}}; it is valid for 10 minutes.', code: 'Verification code', format: 'File format', csv: 'CSV', xlsx: 'Excel (XLSX)',
    listWarning: 'Generating the license list is final: afterwards this credential can no longer be split or changed.', submit: 'Download', done: '{{count}} licenses saved to {{file}}.',
  },
  split: {
    title: 'Split Quantity', purchased: 'Purchased licenses', free: 'Free licenses', available: '{{count}} available', newTotal: 'The new credential holds {{count}} licenses.',
    stays: 'Production details that stay: firmware key {{firmwareKey}}, chip {{chip}}, factory {{factory}}.', submit: 'Split', done: 'Split done: a new credential with {{count}} licenses.',
  },
  change: {
    title: 'Change Product', search: 'Search products', searchHint: 'name or PID', none: 'No product matches.', pick: 'Choose {{name}}', current: 'current product',
    confirmTitle: 'Confirm Update Info', newProduct: 'New product', pid: 'PID', price: 'Price per license', features: 'Features', delivery: 'License Delivery Mode',
    difference: 'Price difference', differenceText: '{{amount}} for {{count}} purchased licenses (free licenses are not charged)', noDifference: 'No price difference.',
    submit: 'OK', done: 'The change was sent for approval.',
  },
  feature: { homekit: 'HomeKit', findmy: 'Find My', none: 'none' },
  generate: {
    title: 'Generate third-party resources', text: 'Generate {{kinds}} resources for the {{count}} licenses of this credential?', start: 'Generate',
    progress: '{{done}} of {{total}} done', done: 'The resources are ready.', failed: 'The job failed: {{reason}}', resources: 'Resources', file: 'Download the resources (CSV)', saved: 'Saved {{file}}.',
    generated: '{{kind}}: {{count}} of {{licenses}} licenses', noResources: 'No resources yet.', license: 'License', kind: 'Kind', resource: 'Resource',
  },
  updates: {
    title: 'Update Details', none: 'No update request for this credential.', from: 'From', to: 'To', licenses: 'Licenses', difference: 'Price difference', state: 'State', created: 'Requested', recall: 'Recall', recalled: 'The request was recalled.',
    detailsTitle: 'Credential Update Details', noneDone: 'This credential has not been updated.', newProduct: 'New product',
  },
  approvals: {
    title: 'Requests waiting for approval', none: 'No request waits for approval.', paymentsTitle: 'Payments to record', noPayments: 'No payment to record.',
    credential: 'Credential', change: 'Change', approve: 'Approve', approved: 'Approved.', reference: 'Payment reference', record: 'Record payment', paid: 'Payment recorded: the credential is updated.',
    confirmTitle: "Customer's credentials to confirm", noConfirm: "No customer's credential waits for confirmation.", confirmed: 'Confirmed: the credential can be used.',
  },
  factories: {
    title: 'Factories, lines and stations', addFactory: 'Add a factory', addLine: 'Add a line', addStation: 'Add a station', name: 'Name', add: 'Add', none: 'No factory yet.',
    station: 'Station', enrolled: 'Enrolled', notEnrolled: 'Not enrolled', revoked: 'Revoked', code: 'Enrollment code', revoke: 'Revoke',
    codeTitle: 'Enrollment code for {{station}}', codeText: 'Enter this code at the station (or scan it); it works once and ends at {{time}}.', qr: 'QR code of the enrollment code', revokedDone: '{{station}} was revoked: its token no longer works.',
  },
  fleet: {
    title: 'The fleet', stations: 'Stations', groups: 'Groups', station: 'Station', lastSync: 'Last sync', never: 'never', outbox: 'Outbox', burnsHour: 'Burns in the last hour', suspects: 'Suspects',
    group: 'Group', left: 'Licenses left', rate: 'Burns per hour', runsDry: 'Runs dry', soon: 'runs dry soon', noRate: 'not burning', none: 'Nothing to show yet.',
  },
  audit: {
    title: 'Audit', actor: 'Actor', credential: 'Credential id', kind: 'Kind', from: 'From', to: 'To', apply: 'Apply', export: 'Export CSV', none: 'No entry matches.',
    seq: '#', at: 'When', address: 'Address', outcome: 'Outcome', details: 'Details', exported: 'Saved {{file}}.',
  },
  /** Audit entry kinds (the hub's route names); a `hub` command shows as it is. */
  auditKind: {
    enroll: 'Station enrolled', pull: 'Station pulled licenses', push: 'Station pushed results', stationReconcile: 'Station reconciled its vault with the hub', stationRequestUpdate: 'Station requested a product change',
    stationRecallUpdate: 'Station recalled a product change', stationStartThirdPartyJob: 'Station started third-party resources',
    stationSendDownloadCode: 'Station asked for a download code', stationDownload: 'Station downloaded licenses', createProduct: 'Product saved',
    createFactory: 'Factory added', createLine: 'Line added', createStation: 'Station added', createEnrollmentCode: 'Enrollment code issued',
    setDownloadContact: 'Download contact set', revokeStation: 'Station revoked', createCredential: 'Credential created',
    confirmCredential: 'Customer credential confirmed', importLicenses: 'Licenses imported', importLicenseFile: 'License file imported', split: 'Quantity split',
    assign: 'Credential assigned', setPid: 'PID set', requestUpdate: 'Product change requested', approveUpdate: 'Product change approved', payUpdate: 'Payment recorded',
    recallUpdate: 'Product change recalled', startThirdPartyJob: 'Third-party resources started', sendDownloadCode: 'Download code sent',
    download: 'Licenses downloaded', login: 'Signed in', logout: 'Signed out', logoutAll: 'Signed out everywhere', changePassword: 'Password changed',
    setupTotp: 'Second factor set-up started', confirmTotp: 'Second factor turned on', createApiKey: 'API key made', revokeApiKey: 'API key revoked',
    createUser: 'Account added', disableUser: 'Account disabled', resetPassword: 'Password reset', setRole: 'Role changed', setStationPin: 'Station PIN set', setStationAccess: 'Station access changed',
    setContact: 'Contact set (code sent)', verifyContact: 'Contact verified',
    stationTransferOut: 'Station sent licenses in a transfer bundle', stationTransferIn: 'Station took in a transfer bundle',
  } as Record<string, string>,
  notice: { saved: 'Saved.' },
  errors: {} as Record<string, string>,
};
