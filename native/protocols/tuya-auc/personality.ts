import {
  AUC_HOST_VERSIONS,
  AUC_MAX_HOST_DATA,
  AucCommand,
  AucDecoder,
  AuthInfoLayout,
  AUC_MAX_PID,
  RET_FALSE,
  RET_TRUE,
  encodeFrame,
  encodeQueryInfo,
  reverseMacBytes,
} from './codec';
import {
  faultHits,
  type Flash,
  type ModuleContext,
  type Personality,
  type PersonalityModule,
  type SimStage,
  type TimerHandle,
} from '../../sim/types';

/**
 * A Tuya BLE module in authorization mode (../shared/protocols/tuya-auc.md,
 * "What the virtual module must reproduce"). Options: `watchdogMs` (60000),
 * `resetDelayMs` after EXIT/RESET (1000), `boundResetMs` for a module bound to
 * a user (200). Variants: `standard` (ENTER answers 0x01), `pid` (0x03: a PID
 * is required in WRITE_AUTH_INFO).
 */
class TuyaAucModule implements Personality {
  private readonly decoder = new AucDecoder({ versions: AUC_HOST_VERSIONS, maxData: AUC_MAX_HOST_DATA });
  private entered = false;
  /** Busy waiting to reset after EXIT/RESET: input is lost. */
  private halted = false;
  private watchdog: TimerHandle | null = null;
  /** Whether this session has written: QUERY_INFO after a write is the verify step. */
  private wrote = false;

  constructor(private readonly ctx: ModuleContext) {}

  private option(name: string, fallback: number): number {
    const v = this.ctx.options[name];
    return typeof v === 'number' ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback;
  }

  private get wantsPid(): boolean {
    return this.ctx.variant === 'pid';
  }

  boot(): void {
    // The production firmware prints nothing on the UART at boot.
  }

  receive(chunk: Buffer): void {
    if (this.halted) return;
    for (const event of this.decoder.push(chunk)) {
      if (event.kind === 'frame') void this.handle(event.frame.command, event.frame.data);
      else if (event.kind !== 'noise') this.ctx.log(`dropped ${event.kind} frame silently`);
    }
  }

  private async handle(command: number, data: Buffer): Promise<void> {
    if (command === AucCommand.ENTER) return this.enter();
    // Every other command is ignored until ENTER was accepted.
    if (!this.entered) return;
    switch (command) {
      case AucCommand.QUERY_HID:
        return this.answer('any', command, Buffer.from(`{"ret":true,"hid":"${this.ctx.flash().hid ?? ''}"}`, 'latin1'));
      case AucCommand.GPIO_TEST:
        return this.answer('any', command, RET_TRUE);
      case AucCommand.WRITE_AUTH_INFO:
        return this.writeAuthInfo(data);
      case AucCommand.QUERY_INFO: {
        const f = this.ctx.flash();
        const info = encodeQueryInfo({
          authkey: f.authkey,
          hid: f.hid,
          uuid: f.uuid,
          mac: f.mac,
          firmName: f.firmName,
          firmVer: f.firmVer,
          prodTest: false,
        });
        return this.answer(this.wrote ? 'verify' : 'check', command, info);
      }
      case AucCommand.RESET:
        this.answer('exit', command, Buffer.from([0x00]));
        return this.resetSoon();
      case AucCommand.QUERY_FINGERPRINT: {
        const f = this.ctx.flash();
        return this.answer('any', command, Buffer.from(`{"ret":true,"firmName":"${f.firmName}","firmVer":"${f.firmVer}"}`, 'latin1'));
      }
      case AucCommand.WRITE_HID:
        return this.writeHid(data);
      case AucCommand.RSSI_TEST:
        return this.answer('any', command, Buffer.from('{"ret":true,"rssi":"-40"}'));
      case AucCommand.WRITE_OEM_INFO:
        return this.answer('any', command, isJsonObject(data) ? RET_TRUE : RET_FALSE);
      case AucCommand.READ_MAC: {
        const mac = this.ctx.flash().mac;
        return this.answer('any', command, Buffer.from(`{"ret":true,"mac":"${mac === null ? '' : reverseMacBytes(mac)}"}`, 'latin1'));
      }
      case AucCommand.EXIT:
        this.answer('exit', command, RET_TRUE);
        return this.resetSoon();
      default:
        return; // unknown commands get no answer
    }
  }

  private enter(): void {
    if (this.ctx.flash().boundToUser) {
      // A module bound to a user refuses production mode by resetting.
      this.halted = true;
      this.ctx.setTimer(this.option('boundResetMs', 200), () => this.ctx.reboot());
      return;
    }
    if (!this.entered) {
      this.entered = true;
      // One-shot: the whole burn must finish within this time of the first ENTER.
      this.watchdog = this.ctx.setTimer(this.option('watchdogMs', 60_000), () => this.ctx.reboot());
    }
    this.answer('enter', AucCommand.ENTER, Buffer.from([this.wantsPid ? 0x03 : 0x01]));
  }

  private async writeAuthInfo(data: Buffer): Promise<void> {
    const refuse = () => this.answer('write', AucCommand.WRITE_AUTH_INFO, RET_FALSE);
    this.wrote = true;
    if (data.length < AuthInfoLayout.minLength) return refuse();
    const at = (offset: number, text: string) => data.toString('latin1', offset, offset + text.length) === text;
    if (!at(AuthInfoLayout.authkeyKey, 'auzkey') || !at(AuthInfoLayout.uuidKey, 'uuid') || !at(AuthInfoLayout.macKey, 'mac'))
      return refuse();
    const patch: Partial<Flash> = {
      authkey: data.toString('latin1', AuthInfoLayout.authkey, AuthInfoLayout.authkey + 32),
      uuid: data.toString('latin1', AuthInfoLayout.uuid, AuthInfoLayout.uuid + 16),
      mac: data.toString('latin1', AuthInfoLayout.mac, AuthInfoLayout.mac + 12),
      boundToUser: false,
    };
    if (this.wantsPid) {
      const pid = /,"pid":"([^"]*)"/.exec(data.toString('latin1', AuthInfoLayout.mac + 12));
      if (!pid || pid[1] === '') return refuse();
      // The module keeps 16 characters; a longer PID overflows its field.
      patch.pid = pid[1]!.slice(0, AUC_MAX_PID);
    }
    if (this.ctx.faults.writeRefused) return refuse();
    if (this.ctx.faults.readbackMismatch) patch.uuid = damage(patch.uuid!);
    await this.ctx.saveFlash(patch);
    this.answer('write', AucCommand.WRITE_AUTH_INFO, RET_TRUE);
  }

  private async writeHid(data: Buffer): Promise<void> {
    if (data.length < 27 || data.toString('latin1', 2, 5) !== 'hid') return this.answer('any', AucCommand.WRITE_HID, RET_FALSE);
    await this.ctx.saveFlash({ hid: data.toString('latin1', 8, 27) });
    this.answer('any', AucCommand.WRITE_HID, RET_TRUE);
  }

  /** After EXIT and RESET the module waits about a second (deaf), then resets. */
  private resetSoon(): void {
    this.halted = true;
    this.ctx.clearTimer(this.watchdog);
    this.ctx.setTimer(this.option('resetDelayMs', 1000), () => this.ctx.reboot());
  }

  /** Sends an answer frame, unless a fault on this step says otherwise. */
  private answer(stage: SimStage, command: number, data: Buffer): void {
    const faults = this.ctx.faults;
    if (faultHits(faults.noAnswer, stage)) return;
    const frame = encodeFrame(command, data, 0x00);
    if (faultHits(faults.corruptChecksum, stage)) frame[frame.length - 1] = (frame[frame.length - 1]! + 1) & 0xff;
    if (faultHits(faults.unplugMidFrame, stage)) {
      // The cable goes a moment after the last byte that made it, as a hand pulls it.
      void this.ctx
        .send(frame.subarray(0, Math.ceil(frame.length / 2)))
        .then(() => this.ctx.setTimer(UNPLUG_AFTER_MS, () => this.ctx.unplug()));
      return;
    }
    void this.ctx.send(frame);
  }
}

const UNPLUG_AFTER_MS = 50;

const isJsonObject = (data: Buffer): boolean => {
  try {
    const v: unknown = JSON.parse(data.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
};

/** A value that did not take: its last character is changed. */
const damage = (value: string): string => value.slice(0, -1) + (value.endsWith('0') ? '1' : '0');

export const personality: PersonalityModule = {
  protocol: 'tuya-auc',
  variants: ['standard', 'pid'],
  create: (ctx) => new TuyaAucModule(ctx),
  sampleLicense: { uuid: 'simprevious00001', authkey: 'PreviouslyBurnedAuthKey000000001', mac: 'A1B2C3D4E5F6' },
};
