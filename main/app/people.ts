import { randomUUID } from 'node:crypto';
import { AppError } from '../../common/errors';
import type { Clock } from '../../common/clock';
import type { Operator, OperatorSession, SupervisorRef } from '../../common/api/schemas';
import { stationPeopleSchema, type StationPeople } from '../../common/hub-api';
import { hashSecret, isSecretHash } from '../../node/secret-hash';
import type { SupervisorEntry } from '../api/supervisor-session';
import type { Vault } from '../vault';
import { PEOPLE_KEY } from '../sync';

/** The station's own operators (plain) and supervisors (PIN hashes, sealed), kept by a supervisor. */
const LOCAL_OPERATORS = 'people.operators';
const LOCAL_SUPERVISORS = 'people.supervisors';
/** A local PIN's scrypt cost: the shared PIN's. */
const PIN_COST = 16384;
export const DEFAULT_IDLE_MINUTES = 30;

interface LocalOperator {
  number: string;
  name: string;
  badge: string | null;
}
interface LocalSupervisor {
  id: string;
  name: string;
  hash: string;
}

export interface FloorPeopleOptions {
  clock: Clock;
  /** The vault while the station is open (people are kept in it), else null. */
  vault: () => Vault | null;
  /** Minutes without a burn or a key before the operator is signed off (0: never). */
  idleMinutes: () => number;
  /** Who is at the station now (the ledger names them on every reservation). */
  onOperator: (number: string | null, session: OperatorSession) => void;
  /** Stops the slots when the operator signs off (a burn under way is finished and recorded). */
  stopSlots: () => Promise<void>;
}

/**
 * Who is at the station: the operators who may sign on (the hub's factory accounts with an operator number,
 * as the last pull delivered them, and the station's own list) and the supervisors with their PIN hashes
 * (the hub's, and the station's own). One operator is signed on at a time; nobody signed on, no burn starts.
 */
export class FloorPeople {
  readonly #o: FloorPeopleOptions;
  #current: { number: string; name: string; since: number } | null = null;
  #lastActivity = 0;
  #signedOff: 'idle' | null = null;

  constructor(options: FloorPeopleOptions) {
    this.#o = options;
  }

  // ---------- lists ----------

  #hub(): StationPeople | null {
    const raw = this.#o.vault()?.getSecret(PEOPLE_KEY) ?? null;
    if (raw === null) return null;
    const parsed = stationPeopleSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  #localOperators(): LocalOperator[] {
    const raw = this.#o.vault()?.getValue(LOCAL_OPERATORS) ?? null;
    return raw === null ? [] : (JSON.parse(raw) as LocalOperator[]);
  }

  #localSupervisors(): LocalSupervisor[] {
    const raw = this.#o.vault()?.getSecret(LOCAL_SUPERVISORS) ?? null;
    return raw === null ? [] : (JSON.parse(raw) as LocalSupervisor[]);
  }

  /** Every operator who may sign on; the hub's first (a number both lists hold is the hub's). */
  #operatorsWithBadges(): (LocalOperator & { source: 'hub' | 'station' })[] {
    const hub = (this.#hub()?.operators ?? []).map((o) => ({ number: o.number, name: o.name, badge: o.badge, source: 'hub' as const }));
    const local = this.#localOperators()
      .filter((o) => !hub.some((h) => h.number === o.number))
      .map((o) => ({ ...o, source: 'station' as const }));
    return [...hub, ...local];
  }

  operators(): Operator[] {
    return this.#operatorsWithBadges().map((o) => ({ number: o.number, name: o.name, hasBadge: o.badge !== null, source: o.source }));
  }

  /** The named supervisors and their PIN hashes, for the supervisor sign-in. */
  supervisors(): SupervisorEntry[] {
    const hub = (this.#hub()?.supervisors ?? [])
      .filter((s) => isSecretHash(s.pinHash))
      .map((s) => ({ id: `hub:${s.accountId}`, name: s.name, source: 'hub' as const, hash: s.pinHash }));
    const local = this.#localSupervisors().map((s) => ({ id: s.id, name: s.name, source: 'station' as const, hash: s.hash }));
    return [...hub, ...local];
  }

  /** The factory's lines as the hub last sent them (a group is reassigned to one of these). */
  lines(): { id: string; name: string }[] {
    return this.#hub()?.lines ?? [];
  }

  /** The name of the line this station is on (the hub's list, as last synced), or null. */
  stationLine(): string | null {
    const lineId = this.#o.vault()?.getValue('sync.lineId') ?? null;
    return this.lines().find((l) => l.id === lineId)?.name ?? null;
  }

  /** A line is picked from the hub's list as last synced, never typed. */
  assertKnownLine(line: string): void {
    const lines = this.lines();
    if (lines.some((l) => l.name === line)) return;
    throw new AppError(
      'LINE_UNKNOWN',
      lines.length === 0
        ? 'This station has no list of lines yet: sync with the hub once, then pick the line.'
        : `There is no line "${line}" at this factory: pick one of ${lines.map((l) => l.name).join(', ')}.`,
    );
  }

  /** The operator's name for a number (reports, the dashboard); the number itself when the station no longer knows it. */
  operatorLabel(number: string): string {
    const o = this.#operatorsWithBadges().find((x) => x.number === number);
    return o ? `${o.name} (${number})` : number;
  }

  operatorName(number: string): string {
    return this.#operatorsWithBadges().find((x) => x.number === number)?.name ?? number;
  }

  // ---------- the station's own lists ----------

  addOperator(input: { number: string; name: string; badge?: string | undefined }): void {
    const vault = this.#vault();
    const all = this.#operatorsWithBadges();
    const taken = all.find((o) => o.number === input.number);
    if (taken) throw new AppError('OPERATOR_EXISTS', `Operator number ${input.number} is already ${taken.name}'s: choose another number.`);
    if (input.badge !== undefined && all.some((o) => o.badge === input.badge))
      throw new AppError('BADGE_TAKEN', 'That badge already signs someone else on: use another badge.');
    vault.putValue(
      LOCAL_OPERATORS,
      JSON.stringify([...this.#localOperators(), { number: input.number, name: input.name, badge: input.badge ?? null }]),
    );
  }

  removeOperator(number: string): void {
    const vault = this.#vault();
    const local = this.#localOperators();
    if (!local.some((o) => o.number === number)) {
      throw this.#hub()?.operators.some((o) => o.number === number)
        ? new AppError('OPERATOR_FROM_HUB', `Operator ${number} comes from the hub's factory accounts: remove the number there.`)
        : new AppError('OPERATOR_UNKNOWN', `There is no operator ${number} on this station.`);
    }
    vault.putValue(LOCAL_OPERATORS, JSON.stringify(local.filter((o) => o.number !== number)));
  }

  async addSupervisor(input: { name: string; pin: string }, taken: readonly SupervisorRef[]): Promise<void> {
    const vault = this.#vault();
    if (taken.some((s) => s.name.toLowerCase() === input.name.toLowerCase()))
      throw new AppError('SUPERVISOR_EXISTS', `There is already a supervisor named "${input.name}": choose another name.`);
    const entry: LocalSupervisor = { id: `local:${randomUUID()}`, name: input.name, hash: await hashSecret(input.pin, PIN_COST) };
    vault.putSecret(LOCAL_SUPERVISORS, JSON.stringify([...this.#localSupervisors(), entry]));
  }

  removeSupervisor(id: string, by: SupervisorRef): void {
    const vault = this.#vault();
    const local = this.#localSupervisors();
    if (!local.some((s) => s.id === id)) {
      throw id.startsWith('hub:')
        ? new AppError('SUPERVISOR_FROM_HUB', "This supervisor comes from the hub's factory accounts: remove their station PIN there.")
        : new AppError('SUPERVISOR_UNKNOWN', 'This station does not know that supervisor (any more): refresh the list.');
    }
    if (id === by.id) throw new AppError('SUPERVISOR_SELF', 'You cannot remove yourself: ask another supervisor.');
    vault.putSecret(LOCAL_SUPERVISORS, JSON.stringify(local.filter((s) => s.id !== id)));
  }

  #vault(): Vault {
    const vault = this.#o.vault();
    if (vault === null) throw new AppError('NOT_READY', 'The station is not set up or is locked: finish the first-run setup or unlock it.');
    return vault;
  }

  // ---------- sign-on ----------

  session(): OperatorSession {
    const c = this.#current;
    return {
      operator: c ? { number: c.number, name: c.name } : null,
      since: c ? new Date(c.since).toISOString() : null,
      idleMinutes: this.#o.idleMinutes(),
      signedOff: c ? null : this.#signedOff,
    };
  }

  get current(): string | null {
    return this.#current?.number ?? null;
  }

  /** A burn starts only with somebody signed on. */
  requireOperator(): void {
    if (this.#current === null)
      throw new AppError('OPERATOR_REQUIRED', 'Nobody is signed on at this station: scan your badge or type your operator number first.');
  }

  /** A typed operator number or a scanned badge; the one who was on before is signed off. */
  signOn(code: string): OperatorSession {
    const text = code.trim();
    const all = this.#operatorsWithBadges();
    const who = all.find((o) => o.number === text) ?? all.find((o) => o.badge !== null && o.badge === text);
    if (!who) {
      throw new AppError(
        'OPERATOR_UNKNOWN',
        all.length === 0
          ? 'This station knows no operators yet: a supervisor adds them (or the hub sends them with the next sync).'
          : 'No operator has this number or badge: check it, or ask a supervisor to add you.',
      );
    }
    const now = this.#o.clock.now();
    const before = this.#current;
    this.#current = { number: who.number, name: who.name, since: now };
    this.#signedOff = null;
    this.#lastActivity = now;
    this.#audit('operator.signed-on', {
      operator: who.number,
      ...(before && before.number !== who.number ? { replaces: before.number } : {}),
    });
    this.#o.onOperator(who.number, this.session());
    return this.session();
  }

  async signOff(reason: 'operator' | 'idle' = 'operator'): Promise<OperatorSession> {
    const before = this.#current;
    if (before === null) return this.session();
    // the slots stop first: the burns under way are recorded under this operator
    await this.#o.stopSlots();
    this.#current = null;
    this.#signedOff = reason === 'idle' ? 'idle' : null;
    this.#audit('operator.signed-off', { operator: before.number, reason });
    this.#o.onOperator(null, this.session());
    return this.session();
  }

  /** A key, a click or a burn: the operator is still there. */
  touch(): void {
    this.#lastActivity = this.#o.clock.now();
  }

  /** Signs the operator off once they were idle for the set time. */
  async checkIdle(): Promise<void> {
    const minutes = this.#o.idleMinutes();
    if (this.#current === null || minutes <= 0) return;
    if (this.#o.clock.now() - this.#lastActivity >= minutes * 60_000) await this.signOff('idle');
  }

  /** The vault closed (the station stops): nobody is signed on when it opens again. */
  reset(): void {
    this.#current = null;
    this.#signedOff = null;
  }

  #audit(action: string, detail: Record<string, unknown>): void {
    const vault = this.#o.vault();
    vault?.db.transaction(() => vault.audit.append({ action, detail })).immediate();
  }
}
