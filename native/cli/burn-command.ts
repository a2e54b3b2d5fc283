import { realpathSync } from 'node:fs';
import { toErrorInfo } from '../../common/errors';
import { createDriver } from '../protocols';
import type { BurnOutcome, ModuleIdentity } from '../protocols/types';
import { discoverPorts, type DiscoveryResult } from '../transport/discovery';
import { findProgrammerByModel, playResetSequence, type ProgrammerDescriptor } from '../transport/programmers';
import { SerialTransport } from '../transport/serial';
import type { Transport } from '../transport/types';
import { keyPorts } from '../transport/programmer-watcher';
import { burnUsage, parseBurnArgs, type BurnCliArgs } from './burn-args';

export const exitCodes = { burned: 0, burnFailed: 1, usage: 2, port: 3, internal: 4 } as const;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  signal?: AbortSignal | undefined;
  /** Tests swap in another transport; the command runs the serial one. */
  openTransport?: ((path: string, baudRate: number) => Transport) | undefined;
}

/** Runs `npm run burn -- ...`; resolves with the process exit code. Never rejects. */
export async function runBurnCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let args: BurnCliArgs;
  try {
    args = parseBurnArgs(argv);
  } catch (e) {
    io.stderr(`${toErrorInfo(e).message}\n`);
    return exitCodes.usage;
  }
  try {
    if (args.mode === 'help') {
      io.stdout(`${burnUsage}\n`);
      return exitCodes.burned;
    }
    if (args.mode === 'list-ports') return await listPorts(args, io);
    return await burn(args, io);
  } catch (e) {
    io.stderr(`Unexpected error: ${toErrorInfo(e).message}\n`);
    return exitCodes.internal;
  }
}

async function listPorts(args: Extract<BurnCliArgs, { mode: 'list-ports' }>, io: CliIo): Promise<number> {
  const result = await discoverPorts({ extraPaths: args.extraPorts, virtualDirs: args.virtualDirs });
  const keyed = keyPorts(result.ports, result.warnings);
  if (args.json) {
    io.stdout(`${JSON.stringify({ ...result, ports: keyed.map((k) => ({ key: k.key, ...k.port })) })}\n`);
    return exitCodes.burned;
  }
  io.stdout(
    formatPorts(
      result,
      keyed.map((k) => k.key),
    ),
  );
  return exitCodes.burned;
}

function formatPorts(result: DiscoveryResult, keys: string[]): string {
  const lines: string[] = [];
  if (result.ports.length === 0) lines.push('No serial ports found.');
  result.ports.forEach((p, i) => {
    const usb = p.vendorId ? ` ${p.vendorId}:${p.productId}` : '';
    const what = [p.programmer?.name ?? p.product, p.manufacturer && p.programmer ? undefined : p.manufacturer].filter(Boolean).join(', ');
    const serial = p.serialNumber ? ` serial ${p.serialNumber}` : '';
    const socket = p.usbPortPath ? ` usb ${p.usbPortPath}` : '';
    const real = p.realPath ? ` -> ${p.realPath}` : '';
    lines.push(`${p.path}${real}  [${p.kind}]${usb}${what ? ` ${what}` : ''}${serial}${socket}  key ${keys[i]}`);
  });
  for (const w of result.warnings) lines.push(`note: ${w}`);
  return `${lines.join('\n')}\n`;
}

async function burn(args: Extract<BurnCliArgs, { mode: 'burn' }>, io: CliIo): Promise<number> {
  const transport = (io.openTransport ?? ((path, baudRate) => new SerialTransport(path, { baudRate })))(args.port, args.baudRate);
  try {
    await transport.open();
  } catch (e) {
    return portProblem(args, io, e);
  }
  try {
    if (args.reset !== 'none') {
      const programmer = await resetProgrammer(args);
      if (typeof programmer === 'string') {
        io.stderr(`${programmer}\n`);
        return programmer.startsWith('Unknown') ? exitCodes.usage : exitCodes.port;
      }
      try {
        await playResetSequence(transport, programmer.resetToAuthorization, io.signal ? { signal: io.signal } : {});
      } catch (e) {
        return portProblem(args, io, e);
      }
    }
    const driver = createDriver(args.protocol, transport);
    const outcome = await driver.burn(args.license, { allowReauthorize: args.allowReauthorize, signal: io.signal });
    report(args, io, outcome);
    return outcome.ok ? exitCodes.burned : exitCodes.burnFailed;
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/** The programmer whose reset to play, or a message saying why there is none. */
async function resetProgrammer(args: Extract<BurnCliArgs, { mode: 'burn' }>): Promise<ProgrammerDescriptor | string> {
  if (args.reset !== 'auto') {
    return (
      findProgrammerByModel(args.reset) ??
      `Unknown programmer model "${args.reset}" for --reset: use none, auto, or one of ch340, ch9102, cp210x, ft232r, ft2232, ft232h, ft-x.`
    );
  }
  const { ports } = await discoverPorts({ extraPaths: [args.port] });
  const real = safeRealpath(args.port);
  const port = ports.find((p) => p.path === args.port || (real !== undefined && safeRealpath(p.path) === real));
  const model = port?.programmer ? findProgrammerByModel(port.programmer.model) : undefined;
  return (
    model ??
    `No known USB programmer sits behind ${args.port}, so --reset auto cannot pick a reset sequence: name the model (--reset ch340) or use --reset none.`
  );
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function portProblem(args: { json: boolean; port: string }, io: CliIo, e: unknown): number {
  const error = toErrorInfo(e);
  if (args.json)
    io.stdout(`${JSON.stringify({ ok: false, code: error.code, message: error.message, exposure: 'nothing-sent', port: args.port })}\n`);
  else io.stderr(`${error.message}\nNothing was sent to the module.\n`);
  return error.code === 'INTERNAL' ? exitCodes.internal : exitCodes.port;
}

const exposureWords: Record<BurnOutcome['exposure'], string> = {
  'nothing-sent': 'nothing was sent: no byte of the license left the station',
  'sent-outcome-unknown': 'the license was sent but not confirmed: treat it as suspect and check the module before using the license again',
  verified: 'written and read back from the module',
};

/** The authkey is a secret: show its first four characters and whether the module holds the one we sent. */
function describeModule(module: ModuleIdentity | undefined, sentAuthkey: string) {
  if (!module) return undefined;
  return {
    uuid: module.uuid,
    authkey: module.authkey === null ? null : `${module.authkey.slice(0, 4)}…`,
    authkeyMatchesSent: module.authkey === null ? false : module.authkey === sentAuthkey,
    mac: module.mac,
    firmware: module.firmware,
  };
}

function report(args: Extract<BurnCliArgs, { mode: 'burn' }>, io: CliIo, outcome: BurnOutcome): void {
  const module = describeModule(outcome.module, args.license.authkey);
  const code = outcome.ok ? 'BURNED' : outcome.error.code;
  const message = outcome.ok
    ? `License ${args.license.uuid} is burned into the module on ${args.port} and verified.`
    : outcome.error.message;
  if (args.json) {
    const line = {
      ok: outcome.ok,
      code,
      message,
      exposure: outcome.exposure,
      step: outcome.ok ? 'finish' : outcome.step,
      protocol: args.protocol,
      port: args.port,
      durationMs: Math.round(outcome.durationMs),
      module: module ?? null,
    };
    io.stdout(`${JSON.stringify(line)}\n`);
    return;
  }
  const lines = [
    outcome.ok ? `OK ${message}` : `FAILED [${code}] at step "${outcome.step}": ${message}`,
    `License: ${exposureWords[outcome.exposure]} (${outcome.exposure}).`,
    module
      ? `Module holds: uuid ${module.uuid ?? '(empty)'}, authkey ${module.authkey ?? '(empty)'}${module.authkey ? (module.authkeyMatchesSent ? ' (the one sent)' : ' (not the one sent)') : ''}, mac ${module.mac ?? '(empty)'}${module.firmware ? `, firmware ${module.firmware.name} ${module.firmware.version}` : ''}.`
      : 'Module holds: unknown (it was not read).',
    `Took ${Math.round(outcome.durationMs)} ms.`,
  ];
  io.stdout(`${lines.join('\n')}\n`);
}
