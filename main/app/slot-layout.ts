import { silentLogger, type Logger } from '../../common/log';
import { detectProtocol, isProtocolId, type ProtocolId } from '../../native/protocols';
import type { DiscoveredPort } from '../../native/transport/discovery';
import type { TrackedPort } from '../../native/transport/programmer-watcher';
import { SerialTransport } from '../../native/transport/serial';

/** One jig position of the station: its programmer, the protocol its modules speak, and the number printed on it. */
export interface SlotPlace {
  slotId: string;
  number: number;
  /** The tty its programmer had when last seen (the slot opens whatever tty the programmer has now). */
  port: string;
  /** The programmer's stable key (ProgrammerWatcher: vid:pid:serial, usb-port:<socket>, tty:<path>). */
  programmer: string;
  protocol: ProtocolId;
  /** The jig wires the module's EN pin to DTR/RTS: the programmer's reset sequence is played whenever the slot opens its port. Default off. */
  resetOnOpen?: boolean;
}

/** A layout as settings kept it: places saved before programmers were keys have only a port. */
export type StoredSlotPlace = Omit<SlotPlace, 'programmer'> & { programmer?: string };

export interface SlotLayoutOptions {
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
    const protocol = await detectProtocol(transport, { timeoutMs: options.timeoutMs ?? 400 });
    // The station's screens know the built-in protocols only (a registered one follows them in detection order).
    return isProtocolId(protocol) ? protocol : null;
  } catch {
    return null;
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/**
 * The station's slots from the programmers plugged in now (the watcher's list).
 * A known place keeps its number and its programmer (a place saved with only a
 * port gets the key of the programmer on that port now, else the port's own).
 * On a station with no slot yet, every programmer whose module answers a
 * protocol becomes a slot; afterwards a new programmer is only offered
 * (`unassigned`): a supervisor binds it to a slot. Never throws.
 */
export async function discoverSlotLayout(
  known: readonly StoredSlotPlace[],
  ports: readonly TrackedPort[],
  options: SlotLayoutOptions = {},
): Promise<{ layout: SlotPlace[]; unassigned: TrackedPort[] }> {
  const layout: SlotPlace[] = known.map((p) => ({
    ...p,
    programmer: p.programmer ?? ports.find((t) => t.path === p.port)?.key ?? `tty:${p.port}`,
  }));
  const programmers = ports.filter((t) => probeable(t.port));
  const unassigned = programmers.filter((t) => !layout.some((p) => p.programmer === t.key));
  if (layout.length > 0) return { layout, unassigned };
  const probed = await Promise.all(
    unassigned.map(async (t) => ({
      t,
      protocol: await probeProtocol(t.path, { timeoutMs: options.probeTimeoutMs, baudRate: options.baudRate }),
    })),
  );
  for (const { t, protocol } of probed) {
    if (protocol === null) continue;
    const number = Math.max(0, ...layout.map((s) => s.number)) + 1;
    layout.push({ slotId: `slot-${number}`, number, port: t.path, programmer: t.key, protocol });
  }
  (options.logger ?? silentLogger).info({ slots: layout.length }, 'slots laid out on the programmers found');
  return { layout, unassigned: unassigned.filter((t) => !layout.some((p) => p.programmer === t.key)) };
}
