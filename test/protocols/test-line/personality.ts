import {
  faultHits,
  type Flash,
  type ModuleContext,
  type Personality,
  type PersonalityModule,
  type SimStage,
} from '../../../native/sim/types';
import { FLASH_LOCKED, LineDecoder, encodeAnswer, parseCommand, type LineAnswer } from './codec';

/**
 * A test-line module: answers PING, READ and WRITE, ignores every other line
 * (another protocol's presence check). Honours the faults noAnswer (enter =
 * PING, check/verify = READ before/after a write, write = WRITE),
 * writeRefused and readbackMismatch.
 */
class TestLineModule implements Personality {
  private readonly decoder = new LineDecoder();
  /** Whether this power-on has seen a WRITE: READ after it is the verify step. */
  private wrote = false;

  constructor(private readonly ctx: ModuleContext) {}

  boot(): void {
    // Says nothing until asked.
  }

  receive(chunk: Buffer): void {
    for (const line of this.decoder.push(chunk)) void this.handle(line);
  }

  private async handle(line: string): Promise<void> {
    const command = parseCommand(line);
    if (command === null) return;
    switch (command.kind) {
      case 'ping':
        return this.answer('enter', { kind: 'pong' });
      case 'read': {
        const { uuid, authkey, mac } = this.ctx.flash();
        return this.answer(this.wrote ? 'verify' : 'check', { kind: 'id', uuid, authkey, mac });
      }
      case 'write': {
        this.wrote = true;
        if (this.ctx.faults.writeRefused) return this.answer('write', { kind: 'err', reason: FLASH_LOCKED });
        const patch: Partial<Flash> = { uuid: command.uuid, authkey: command.authkey };
        // The write does not take: the flash keeps a damaged uuid.
        if (this.ctx.faults.readbackMismatch) patch.uuid = command.uuid.slice(0, -1) + (command.uuid.endsWith('0') ? '1' : '0');
        await this.ctx.saveFlash(patch);
        return this.answer('write', { kind: 'ok' });
      }
    }
  }

  private answer(stage: SimStage, answer: LineAnswer): void {
    if (faultHits(this.ctx.faults.noAnswer, stage)) return;
    void this.ctx.send(encodeAnswer(answer));
  }
}

export const personality: PersonalityModule = {
  protocol: 'test-line',
  variants: ['standard'],
  create: (ctx) => new TestLineModule(ctx),
  sampleLicense: { uuid: 'testlineprevious', authkey: 'TestLinePreviouslyBurned00000001', mac: 'A1B2C3D4E5F6' },
};
