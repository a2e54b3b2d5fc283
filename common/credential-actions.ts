/**
 * Which operations a credential allows, for whom, and why not: the one rule
 * behind the hub console's Operation column and the station's supervisor
 * console. The hub's services still refuse what this says is not allowed; this
 * only tells a screen in advance, with the same reason in plain words.
 */
import type { AllowedAction, ConsoleAction } from './console-api';

/** Who asks: an account's role, or a station (its supervisor acts on the station's own groups). */
export type ActionRole = 'platform' | 'owner' | 'factory' | 'auditor' | 'station';

/** What the rule needs to know about one credential. */
export interface ActionSubject {
  state: 'valid' | 'confirming_update' | 'being_paid' | 'updated' | 'list_generated';
  owner: 'mine' | 'customer';
  /** A customer's credential the factory has not confirmed yet is false; "mine" are always confirmed. */
  confirmed: boolean;
  deliveryMode: 'credential' | 'credential_auth_only' | 'license_list';
  origin: 'purchase' | 'split' | 'replacement';
  /** What the credential's product supports. */
  features: { homekit: boolean; findmy: boolean };
  /** Unused licenses at the hub (not held by a station). */
  unusedAtHub: number;
  /** Unused licenses, at the hub or leased to a station (what a product change applies to). */
  unused: number;
  /** All licenses of the credential, whatever their state. */
  licenses: number;
  /** A third-party resources job is queued or running. */
  jobRunning: boolean;
  /** Product change requests ever made for the credential. */
  updateRequests: number;
}

/** Every action, in the order a screen shows them. */
export const consoleActions: readonly ConsoleAction[] = [
  'download',
  'confirm_generate_download',
  'split',
  'change_product',
  'generate_resources',
  'update_details',
  'update_history',
  'recall',
  'assign',
];

/** Who may do each action at all (the hub's route table says the same for accounts). */
const whoMay: Record<ConsoleAction, readonly ActionRole[]> = {
  download: ['owner', 'station'],
  confirm_generate_download: ['owner', 'station'],
  split: ['owner', 'station'],
  change_product: ['owner', 'station'],
  generate_resources: ['owner', 'station'],
  update_details: ['platform', 'owner', 'factory', 'auditor', 'station'],
  update_history: ['platform', 'owner', 'factory', 'auditor', 'station'],
  recall: ['owner', 'station'],
  // a factory's manager assigns within its own factory: the hub shows it only its factory's credentials
  assign: ['owner', 'factory'],
};

const roleText: Record<ActionRole, string> = {
  platform: 'the platform',
  owner: 'the credential manager',
  factory: "a factory's manager",
  auditor: 'an auditor',
  station: 'a station',
};
const whoText: Record<ConsoleAction, string> = {
  download: 'Only the credential manager downloads credentials.',
  confirm_generate_download: 'Only the credential manager generates and downloads the license list.',
  split: 'Only the credential manager splits credentials.',
  change_product: "Only the credential manager changes a credential's product.",
  generate_resources: 'Only the credential manager generates third-party resources.',
  update_details: '',
  update_history: '',
  recall: 'Only the credential manager recalls a product change.',
  assign: "Only the credential manager or a factory's manager assigns credentials to lines and stations.",
};

const underReview = (s: ActionSubject): string | null =>
  s.state === 'confirming_update' || s.state === 'being_paid'
    ? `A product change is under review (${s.state === 'being_paid' ? 'waiting for payment' : 'waiting for approval'}): recall it or wait for it to finish.`
    : null;
const unconfirmed = (s: ActionSubject): string | null =>
  s.owner === 'customer' && !s.confirmed ? "The customer's credential is not confirmed yet: the owner confirms it first." : null;
const listGenerated = (s: ActionSubject): string | null =>
  s.state === 'list_generated' ? 'The license list was generated and downloaded: the credential is locked.' : null;

/** The first reason an action is refused for this credential (null: allowed), role aside. */
function refusal(action: ConsoleAction, s: ActionSubject): string | null {
  switch (action) {
    case 'download':
      if (s.deliveryMode === 'license_list') return 'This credential delivers a license list: use Confirm to Generate and Download.';
      return (
        underReview(s) ??
        unconfirmed(s) ??
        (s.state !== 'valid' && s.state !== 'updated' ? 'Only a valid or updated credential can be downloaded.' : null) ??
        (s.unusedAtHub === 0 ? 'No unused licenses are left at the hub to download.' : null)
      );
    case 'confirm_generate_download':
      if (s.deliveryMode !== 'license_list') return 'Only a credential in License List mode generates a license list.';
      return (
        listGenerated(s) ??
        underReview(s) ??
        unconfirmed(s) ??
        (s.unusedAtHub === 0 ? 'No unused licenses are left at the hub to put in the list.' : null)
      );
    case 'split':
      return (
        listGenerated(s) ??
        underReview(s) ??
        unconfirmed(s) ??
        (s.unusedAtHub === 0 ? 'No unused licenses are left at the hub to split off.' : null)
      );
    case 'change_product':
      return (
        listGenerated(s) ??
        (s.origin === 'replacement' ? 'This credential was generated by license replacement: its product cannot be changed.' : null) ??
        underReview(s) ??
        unconfirmed(s) ??
        (s.unused === 0 ? 'No unused licenses are left to change.' : null)
      );
    case 'generate_resources':
      if (!s.features.homekit && !s.features.findmy) return "The credential's product supports neither HomeKit nor Find My.";
      return (
        underReview(s) ??
        unconfirmed(s) ??
        (s.jobRunning ? 'Third-party resources are being generated now.' : null) ??
        (s.licenses === 0 ? 'The credential has no licenses yet.' : null)
      );
    case 'update_details':
      return s.updateRequests === 0 ? 'No product change was requested for this credential.' : null;
    case 'update_history':
      return null;
    case 'recall':
      return s.state === 'confirming_update' || s.state === 'being_paid' ? null : 'Only a product change under review can be recalled.';
    case 'assign':
      // where a customer's credential goes may be planned before it is confirmed; burning it may not
      return underReview(s);
  }
}

/** Every action for this credential and this role, each with a plain reason when it is not allowed. */
export function allowedActions(role: ActionRole, s: ActionSubject): AllowedAction[] {
  return consoleActions.map((action) => {
    const reason = whoMay[action].includes(role) ? refusal(action, s) : whoText[action] || `Not for ${roleText[role]}.`;
    return reason === null ? { action, allowed: true } : { action, allowed: false, reason };
  });
}

/** True when `action` is allowed in a list `allowedActions` made. */
export const isAllowed = (list: readonly AllowedAction[], action: ConsoleAction): boolean =>
  list.some((a) => a.action === action && a.allowed);
