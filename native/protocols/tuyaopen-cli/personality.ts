import type { Flash, ModuleContext, Personality, PersonalityModule, SimStage } from '../../sim/types';
import { faultHits } from '../../sim/types';

/**
 * A TuyaOpen module's console as the virtual module plays it
 * (shared/protocols/tuyaopen-cli.md). Variants: `current` (prompt `tuya> `,
 * two success lines, 16- or 20-char uuids, the storage/mac form, `read_mac`)
 * and `legacy` (prompt `tuya>`, one success line, 20-char uuids only).
 *
 * Options (the firmware variety of the spec's "seen in the field"):
 * - `banner` (default: current firmware yes, older no) prints the logo and
 *   boot logs before the first prompt; older firmware without it prints just
 *   `\r\ntuya>`.
 * - `logLines` (default false) prints firmware log lines inside answers, at
 *   line boundaries.
 * - `logEveryMs` (default 0 = off) runs a firmware task that logs a line,
 *   then sleeps this long, at real levels (D, I, N, W, E): each log line goes
 *   out whole between any two bytes of the console's output, inside the echo
 *   and the answers. `logColor` (default true) wraps log lines in colour codes.
 * - `debugLogs` (default false): `auth` logs the uuid and the whole authkey at level D.
 * - `resetInAuth` (default false): `auth` stores the license, then resets the
 *   module before answering (boot output and a fresh prompt instead).
 * - `wifiMac` (12 hex) is the MAC `read_mac` and OTP writes use; `none` = the
 *   module cannot read its MAC. `read_mac` answers in lower case.
 * - `needsMac` (default false): the generation that needs the Wi-Fi MAC even
 *   for the key-value store refuses `auth` when it cannot read it.
 * - `otp` (default true): false = not a T5 chip, storage 1 is refused.
 *
 * The "corrupt checksum" fault has no meaning in a text protocol: here it
 * garbles the answer lines of the hit stage (bit 7 set on every other
 * character, as a bad cable or a wrong baud rate would), keeping CR LF intact.
 * Its strings are written out here, apart from the driver's, so a typo on
 * either side shows up in the tests.
 */

type Variant = 'current' | 'legacy';

const firmwareText = {
  writeOk: 'Authorization write succeeds.',
  resetHint: 'Please reset the system to ensure the new credentials are used.',
  writeFailed: 'Authorization write failure.',
  otpOk: 'Authorization write to OTP Succeeds.',
  otpFailed: 'Authorization write to OTP failure.',
  readFailed: 'Authorization read failure.',
  resetOk: 'Authorization reset succeeds.',
  resetFailed: 'Authorization reset failure.',
  usage: 'Use like: auth uuidxxxxxxxxxxxxxxxx keyxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  lengthCurrent: 'uuid length must be 20/16, authkey length must be 32',
  lengthLegacy: 'uuid len not equal 20 or authkey len not equal 32.',
  badStorage: 'storage must be 0 or 1',
  badMac: 'mac length must be 12',
  unknown: 'No command or file name',
  macFailed: 'Failed to get MAC address.',
  macWriteFailed: 'Authorization write flailure: tal_wifi_get_mac failed',
  otpUnsupported: 'OTP storage is only supported on T5 platform.',
};

/** Log levels as the firmware prints them, with their colours. */
const logLevels: readonly (readonly [level: string, colour: string])[] = [
  ['D', '0;37;49'],
  ['I', '0;36;49'],
  ['N', '0;35;49'],
  ['W', '0;33;49'],
  ['E', '0;31;49'],
];

/** What other firmware tasks log (file, message). */
const taskLogs: readonly (readonly [string, (n: number) => string])[] = [
  ['tal_heap.c', (n) => `heap free ${100000 + (n % 60000)}`],
  ['tal_wifi.c', (n) => `wifi scan done, ${n % 17} aps`],
  ['tuya_iot.c', (n) => `mqtt ping, rtt ${n % 90} ms`],
  ['tkl_sys.c', (n) => `cpu ${n % 100}%`],
];

const banner = [
  '  _____                   ___                   ',
  ' |_   _|_  _ _  _  __ _  / _ \\ _ __  ___ _ _    ',
  "   | || || | || |/ _` || (_) | '_ \\/ -_) ' \\   ",
  '   |_| \\_,_|\\_, |\\__,_| \\___/| .__/\\___|_||_|  ',
  '            |__/             |_|                ',
];

const MAX_ARGS = 8;
const MAX_LINE = 256;

class TuyaopenConsole implements Personality {
  private readonly variant: Variant;
  private readonly prompt: string;
  private readonly logLines: boolean;
  private readonly logEveryMs: number;
  /** Console output waiting for the UART, which the log task shares (only when it runs). */
  private readonly uart: { text: string; sent: () => void }[] = [];
  private uartBusy = false;
  private logDue = false;
  /** A deterministic sequence per module, for log points and texts. */
  private seed: number;
  private input: number[] = [];
  private line = '';
  private busy = false;
  /** Set by the no-answer fault: the firmware hangs in a command and never reads again. */
  private hung = false;
  private dead = false;
  /** An `auth-read` after a write in this boot is the read-back (stage `verify`); before it, the check. */
  private wroteThisBoot = false;
  private out = '';

  constructor(private readonly ctx: ModuleContext) {
    this.variant = ctx.variant === 'legacy' ? 'legacy' : 'current';
    this.prompt = this.variant === 'legacy' ? 'tuya>' : 'tuya> ';
    this.logLines = ctx.options['logLines'] === true;
    const every = ctx.options['logEveryMs'];
    this.logEveryMs = typeof every === 'number' && every > 0 ? every : 0;
    this.seed = [...ctx.id].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0, 0x811c9dc5) || 1;
  }

  private option(name: string, fallback: boolean): boolean {
    const v = this.ctx.options[name];
    return typeof v === 'boolean' ? v : fallback;
  }

  /** The banner and boot logs, then the first prompt; faults of the `enter` stage hit this prompt too. */
  boot(): void {
    const faults = this.ctx.faults;
    if (faultHits(faults.noAnswer, 'any')) {
      this.hung = true;
      return;
    }
    if (this.logEveryMs > 0) this.scheduleLog();
    let text = '';
    if (this.option('banner', this.variant === 'current')) {
      const flash = this.ctx.flash();
      text += this.logLine('tuya_main.c', 'tuya open start', true) + banner.map((l) => `${l}\r\n`).join('');
      text +=
        this.logLine('tal_kv.c', 'kv init ok', true) + this.logLine('tuya_main.c', `firmware ${flash.firmName} ${flash.firmVer}`, true);
    } else if (this.variant === 'legacy') {
      // Older firmware prints no banner: just a new line before its first prompt.
      text += '\r\n';
    }
    if (faultHits(faults.noAnswer, 'enter')) {
      // The console never comes up: boot logs, then silence.
      this.hung = true;
      void this.emit(text);
      return;
    }
    text += faultHits(faults.corruptChecksum, 'enter') ? garble(this.prompt) : this.prompt;
    if (faultHits(faults.unplugMidFrame, 'enter')) {
      void this.emit(text.slice(0, Math.max(1, Math.floor(text.length / 2)))).then(() => this.pull());
      return;
    }
    void this.emit(text);
  }

  receive(chunk: Buffer): void {
    for (const byte of chunk) this.input.push(byte);
    if (!this.busy) void this.pump();
  }

  /** Reads typed bytes one by one, like the console task: a command runs to its end before the next byte is read. */
  private async pump(): Promise<void> {
    this.busy = true;
    try {
      for (;;) {
        while (this.input.length > 0 && !this.hung && !this.dead) {
          const byte = this.input.shift()!;
          if (byte === 0x0d || byte === 0x0a) {
            const command = this.line;
            this.line = '';
            await this.run(command);
          } else if (byte === 0x7f || byte === 0x08) {
            if (this.line.length > 0) {
              this.line = this.line.slice(0, -1);
              this.out += '\b \b';
            }
          } else if (byte >= 0x20 && byte < 0x7f && this.line.length < MAX_LINE) {
            // A tab would start command completion; other control bytes are dropped.
            this.line += String.fromCharCode(byte);
            this.out += String.fromCharCode(byte);
          }
        }
        await this.flush();
        // Bytes that came in during the last await are read now, not left for the next chunk.
        if (this.input.length === 0 || this.hung || this.dead) break;
      }
    } finally {
      this.busy = false;
    }
  }

  private async run(command: string): Promise<void> {
    const args = command
      .split(' ')
      .filter((a) => a.length > 0)
      .slice(0, MAX_ARGS);
    const name = args[0];
    const stage: SimStage | null =
      name === undefined ? 'enter' : name === 'auth' ? 'write' : name === 'auth-read' ? (this.wroteThisBoot ? 'verify' : 'check') : null;
    const hits = (scope: SimStage | undefined) => (stage === null ? scope === 'any' : faultHits(scope, stage));

    if (hits(this.ctx.faults.noAnswer)) {
      // The firmware hangs inside the command: the echo went out, nothing else ever will.
      this.hung = true;
      await this.flush();
      return;
    }
    let answer: string[];
    if (name === undefined) {
      answer = [];
    } else {
      this.out += '\r\n';
      // Before a flash write the echo goes out at once: the write takes a while (when it takes any time at all).
      const flashTakesTime = !this.ctx.timing.zero && this.ctx.timing.flashWriteMs > 0;
      const resets = name === 'auth' && this.option('resetInAuth', false);
      if ((flashTakesTime || resets) && (name === 'auth' || name === 'auth-reset')) await this.flush();
      answer = await this.answer(name, args);
      if (resets && answer[0] === firmwareText.writeOk) {
        // This generation stores the credentials, then resets at once: no answer, boot output and a fresh prompt instead.
        this.ctx.reboot();
        return;
      }
    }
    if (this.dead) return;
    const corrupt = hits(this.ctx.faults.corruptChecksum);
    let text: string;
    if (name === undefined) {
      // An empty command: just a fresh prompt on a new line.
      text = `\r\n${corrupt ? garble(this.prompt) : this.prompt}`;
    } else {
      // echo, CR LF (sent above), CR LF, the answer lines, the prompt; log lines may come in between.
      if (corrupt) answer = answer.map(garble);
      text = this.logLine('tal_cli.c', `cli cmd: ${name}`) + '\r\n';
      if (name === 'auth' && this.option('debugLogs', false))
        text += this.formatLog('D', 'tuya_authorize.c', `uuid: ${args[1] ?? ''}, authkey: ${args[2] ?? ''}`);
      if (name === 'auth' && answer[0] === firmwareText.writeOk) text += this.logLine('tuya_authorize.c', firmwareText.writeOk);
      text += answer.map((l) => `${l}\r\n`).join('') + this.prompt;
    }
    text = this.out + text;
    this.out = '';

    if (hits(this.ctx.faults.unplugMidFrame)) {
      await this.emit(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      this.pull();
      return;
    }
    await this.emit(text);
  }

  private async answer(name: string, args: string[]): Promise<string[]> {
    const flash = this.ctx.flash();
    switch (name) {
      case 'auth':
        return this.auth(args);
      case 'auth-read':
        if (flash.uuid === null || flash.authkey === null) return [firmwareText.readFailed];
        if (this.ctx.faults.readbackMismatch && this.wroteThisBoot) return [flash.uuid, damaged(flash.authkey)];
        return [flash.uuid, flash.authkey];
      case 'auth-reset':
        if (flash.uuid === null && flash.authkey === null) return [firmwareText.resetFailed];
        await this.save({ uuid: null, authkey: null });
        this.wroteThisBoot = false;
        return [firmwareText.resetOk];
      case 'read_mac': {
        if (this.variant === 'legacy') return [firmwareText.unknown];
        const mac = this.wifiMac(flash);
        return mac === null ? [firmwareText.macFailed] : [`mac: ${mac.match(/../g)!.join(':').toLowerCase()}`];
      }
      default:
        return [firmwareText.unknown];
    }
  }

  private async auth(args: string[]): Promise<string[]> {
    if (args.length < 3) return [firmwareText.usage];
    const [, uuid = '', authkey = ''] = args;
    if (this.variant === 'legacy') {
      // Older firmware reads only the first two arguments: a storage form lands in the key-value store.
      if (uuid.length !== 20 || authkey.length !== 32) return [firmwareText.lengthLegacy];
      return this.store({ uuid, authkey }, [firmwareText.writeOk], [firmwareText.writeFailed]);
    }
    if ((uuid.length !== 20 && uuid.length !== 16) || authkey.length !== 32) return [firmwareText.lengthCurrent];
    const storage = args[3];
    if (storage !== undefined && storage !== '0' && storage !== '1') return [firmwareText.badStorage];
    const mac = args[4];
    if (mac !== undefined && mac.length !== 12) return [firmwareText.badMac];
    if (storage === '1' && !this.option('otp', true)) return [firmwareText.otpUnsupported];
    if (this.option('needsMac', false) && this.wifiMac(this.ctx.flash()) === null) return [firmwareText.macWriteFailed];
    if (storage === '1') {
      const otpMac = mac ?? this.wifiMac(this.ctx.flash());
      if (otpMac === null) return [firmwareText.otpFailed];
      return this.store({ uuid, authkey, mac: otpMac.toLowerCase() }, [firmwareText.otpOk], [firmwareText.otpFailed]);
    }
    return this.store({ uuid, authkey }, [firmwareText.writeOk, firmwareText.resetHint], [firmwareText.writeFailed]);
  }

  private async store(patch: Partial<Flash>, ok: string[], failed: string[]): Promise<string[]> {
    if (this.ctx.faults.writeRefused) return failed;
    await this.save(patch);
    this.wroteThisBoot = true;
    return ok;
  }

  private async save(patch: Partial<Flash>): Promise<void> {
    await this.ctx.saveFlash(patch);
  }

  private wifiMac(flash: Flash): string | null {
    const configured = this.ctx.options['wifiMac'];
    // `none` (or anything but 12 characters): the module cannot read its MAC.
    if (typeof configured === 'string') return configured.length === 12 ? configured : null;
    if (flash.mac) return flash.mac;
    // A stable made-up MAC per module id, as each real module has its own.
    let h = 0x811c9dc5;
    for (const c of this.ctx.id) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    return `02a0${h.toString(16).padStart(8, '0')}`;
  }

  /** A firmware log line at level I; outside boot only when the `logLines` option is on. */
  private logLine(file: string, message: string, atBoot = false): string {
    if (!this.logLines && !atBoot) return '';
    return this.formatLog('I', file, message);
  }

  /** `[MM-DD hh:mm:ss ty L][file:line] message`, colour-wrapped unless `logColor` is false. */
  private formatLog(level: string, file: string, message: string): string {
    const s = Math.floor(this.ctx.now() / 1000);
    const two = (n: number) => String(n).padStart(2, '0');
    const line = `[01-01 ${two(Math.floor(s / 3600) % 24)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)} ty ${level}][${file}:${100 + (message.length % 200)}] ${message}`;
    if (!this.option('logColor', true)) return `${line}\r\n`;
    const colour = logLevels.find(([l]) => l === level)?.[1] ?? '0';
    return `\x1b[${colour}m${line}\x1b[0m\r\n`;
  }

  private random(n: number): number {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) >>> 0;
    return (this.seed >>> 8) % n;
  }

  /** The log task: one line, then `logEveryMs` of sleep (its line waits for the UART like any output). */
  private scheduleLog(): void {
    this.ctx.setTimer(this.logEveryMs, () => {
      this.logDue = true;
      void this.pumpUart();
    });
  }

  /**
   * The UART the console and the log task share: the console's output goes
   * out a few bytes at a time, and a due log line goes whole between any two
   * pieces, so it lands inside the echo and the answer lines.
   */
  private async pumpUart(): Promise<void> {
    if (this.uartBusy) return;
    this.uartBusy = true;
    try {
      while (!this.dead) {
        if (this.logDue) {
          this.logDue = false;
          const [level] = logLevels[this.random(logLevels.length)]!;
          const [file, message] = taskLogs[this.random(taskLogs.length)]!;
          await this.ctx.send(Buffer.from(this.formatLog(level, file, message(this.random(1_000_000))), 'latin1'));
          this.scheduleLog();
          continue;
        }
        const head = this.uart[0];
        if (!head) break;
        const piece = head.text.slice(0, 1 + this.random(8));
        head.text = head.text.slice(piece.length);
        if (head.text === '') this.uart.shift();
        await this.ctx.send(Buffer.from(piece, 'latin1'));
        if (head.text === '') head.sent();
      }
    } finally {
      this.uartBusy = false;
    }
  }

  /** Pulls the cable: the host's port vanishes, this firmware is gone. */
  private pull(): void {
    if (this.dead) return;
    this.dead = true;
    this.ctx.unplug();
  }

  private async flush(): Promise<void> {
    if (this.out === '') return;
    const text = this.out;
    this.out = '';
    await this.emit(text);
  }

  private async emit(text: string): Promise<void> {
    if (this.dead || text === '') return;
    if (this.logEveryMs === 0) return this.ctx.send(Buffer.from(text, 'latin1'));
    await new Promise<void>((sent) => {
      this.uart.push({ text, sent });
      void this.pumpUart();
    });
  }
}

/** Bit 7 set on every other character: unreadable, but the line structure survives. */
function garble(line: string): string {
  return [...line].map((c, i) => (i % 2 === 1 ? String.fromCharCode(c.charCodeAt(0) | 0x80) : c)).join('');
}

/** The same authkey with its last character changed: a flash that did not take. */
function damaged(authkey: string): string {
  const last = authkey.at(-1) === 'x' ? 'y' : 'x';
  return authkey.slice(0, -1) + last;
}

export const personality: PersonalityModule = {
  protocol: 'tuyaopen-cli',
  variants: ['current', 'legacy'],
  create: (ctx) => new TuyaopenConsole(ctx),
  // 20 characters so both firmware generations carry it.
  sampleLicense: { uuid: 'uuid0000000000000001', authkey: 'AuthKey0000000000000000000000001' },
};
