import { toErrorInfo } from '../../common/errors';
import { silentLogger, type Logger } from '../../common/log';
import { createDriver, protocolIds, type ProtocolId } from '../../native/protocols';
import { discoverPorts, type DiscoveredPort, type DiscoveryOptions } from '../../native/transport/discovery';
import { SerialTransport } from '../../native/transport/serial';

/** One jig position of the station: a programmer port, the protocol its modules speak, and the number printed on it. */
export interface SlotPlace {
  slotId: string;
  number: number;
  port: string;
  protocol: ProtocolId;
}

export interface SlotLayoutOptions {
  discovery?: DiscoveryOptions;
  /** How long a module gets to answer each protocol's presence check. */
  probeTimeoutMs?: number;
  baudRate?: number;
  logger?: Logger;
}

/** Only programmers are probed: on-board UARTs (ttyS*) may drive other equipment and are left alone. */
const probeable = (p: DiscoveredPort): boolean => p.kind === 'usb' || p.kind === 'virtual';

/** Asks the module on a port, protocol by protocol, until one answers; null when nothing answers. */
export async function probeProtocol(path: string, options: { timeoutMs?: number; baudRate?: number } = {}): Promise<ProtocolId | null> {
  const transport = new SerialTransport(path, { baudRate: options.baudRate ?? 115200 });
  try {
    await transport.open();
    // tuya-auc first: a checksummed binary frame that a text console ignores; the console's line commands come second.
    for (const protocol of protocolIds) {
      await transport.flushInput();
      if (await createDriver(protocol, transport).detect({ timeoutMs: options.timeoutMs ?? 400 }).catch(() => false)) return protocol;
    }
    return null;
  } catch {
    return null;
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/**
 * The station's slots: the known layout (kept in settings, so numbers stay put
 * across restarts and unplugs) plus any new programmer port whose module
 * answers a protocol. Never throws: a port that cannot be read is left out.
 */
export async function discoverSlotLayout(known: readonly SlotPlace[], options: SlotLayoutOptions = {}): Promise<SlotPlace[]> {
  const log = options.logger ?? silentLogger;
  const layout = [...known];
  let found: DiscoveredPort[] = [];
  try {
    const result = await discoverPorts(options.discovery);
    found = result.ports.filter(probeable).filter((p) => !layout.some((s) => s.port === p.path));
    for (const w of result.warnings) log.info({ warning: w }, 'port discovery');
  } catch (e) {
    log.warn({ err: toErrorInfo(e) }, 'port discovery failed');
  }
  const probed = await Promise.all(found.map(async (p) => ({ port: p.path, protocol: await probeProtocol(p.path, { timeoutMs: options.probeTimeoutMs, baudRate: options.baudRate }) })));
  for (const { port, protocol } of probed) {
    if (protocol === null) continue;
    const number = Math.max(0, ...layout.map((s) => s.number)) + 1;
    layout.push({ slotId: `slot-${number}`, number, port, protocol });
  }
  return layout;
}
