import { z } from 'zod';
import { AppError } from '../../common/errors';
import type { Transport } from './types';

/**
 * USB-serial programmers the station recognises, as data (STYLE.md "device
 * differences are data"): a new programmer model is a new row, not a branch.
 */

/** One step of a reset: set the lines given, then hold that state for `holdMs`. */
export const resetStepSchema = z
  .object({
    dtr: z.boolean().optional(),
    rts: z.boolean().optional(),
    holdMs: z.number().int().min(0).max(5000),
  })
  .strict()
  .refine((s) => s.dtr !== undefined || s.rts !== undefined || s.holdMs > 0, 'a reset step must set DTR or RTS, or wait');
export type ResetStep = z.infer<typeof resetStepSchema>;

export const resetSequenceSchema = z.array(resetStepSchema).min(1).max(32);
export type ResetSequence = z.infer<typeof resetSequenceSchema>;

const hex4 = z.string().regex(/^[0-9a-f]{4}$/, 'USB ids are 4 lowercase hex digits');

export const programmerDescriptorSchema = z
  .object({
    /** Stable id used in settings and logs. */
    model: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string().min(1),
    vendorId: hex4,
    productId: hex4,
    /** Drives the module's EN (and boot) pins low then releases them, so it boots into its authorization window. */
    resetToAuthorization: resetSequenceSchema,
  })
  .strict();
export type ProgrammerDescriptor = z.infer<typeof programmerDescriptorSchema>;

// Usual jig wiring (the esptool two-transistor circuit): RTS asserted with DTR
// released pulls EN low; releasing both lets the module boot normally, which
// opens the window in which it accepts ENTER / prints its prompt.
const enPulse: ResetSequence = [
  { dtr: false, rts: true, holdMs: 100 },
  { dtr: false, rts: false, holdMs: 50 },
];

// FTDI jigs in the field wire RTS straight to EN and keep DTR for the boot pin;
// DTR must be released first so the module does not boot into its ROM loader.
const ftdiEnPulse: ResetSequence = [
  { dtr: false, holdMs: 0 },
  { rts: true, holdMs: 120 },
  { rts: false, holdMs: 50 },
];

export const programmerTable: readonly ProgrammerDescriptor[] = z.array(programmerDescriptorSchema).parse([
  { model: 'ch340', name: 'WCH CH340', vendorId: '1a86', productId: '7523', resetToAuthorization: enPulse },
  { model: 'ch9102', name: 'WCH CH9102', vendorId: '1a86', productId: '55d4', resetToAuthorization: enPulse },
  { model: 'cp210x', name: 'Silicon Labs CP210x', vendorId: '10c4', productId: 'ea60', resetToAuthorization: enPulse },
  { model: 'ft232r', name: 'FTDI FT232R', vendorId: '0403', productId: '6001', resetToAuthorization: ftdiEnPulse },
  { model: 'ft2232', name: 'FTDI FT2232', vendorId: '0403', productId: '6010', resetToAuthorization: ftdiEnPulse },
  { model: 'ft232h', name: 'FTDI FT232H', vendorId: '0403', productId: '6014', resetToAuthorization: ftdiEnPulse },
  { model: 'ft-x', name: 'FTDI FT-X series', vendorId: '0403', productId: '6015', resetToAuthorization: ftdiEnPulse },
]);

/** The programmer model for a USB VID/PID (any case, with or without 0x), or undefined. */
export function findProgrammer(
  vendorId: string | number | undefined,
  productId: string | number | undefined,
): ProgrammerDescriptor | undefined {
  const vid = normaliseUsbId(vendorId);
  const pid = normaliseUsbId(productId);
  if (vid === undefined || pid === undefined) return undefined;
  return programmerTable.find((p) => p.vendorId === vid && p.productId === pid);
}

export function findProgrammerByModel(model: string): ProgrammerDescriptor | undefined {
  return programmerTable.find((p) => p.model === model);
}

/** '0x1A86', '1a86' or 0x1a86 → '1a86'; anything else → undefined. */
export function normaliseUsbId(id: string | number | undefined): string | undefined {
  if (id === undefined) return undefined;
  const text = typeof id === 'number' ? id.toString(16) : id.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(text) ? text.padStart(4, '0') : undefined;
}

/** Validates a reset sequence from settings or a file; the message says what is wrong. */
export function parseResetSequence(input: unknown): ResetSequence {
  const parsed = resetSequenceSchema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new AppError(
      'INVALID_RESET_SEQUENCE',
      `The reset sequence is not valid${where}: ${first?.message ?? 'unknown problem'}. Use steps like {"dtr": false, "rts": true, "holdMs": 100}.`,
    );
  }
  return parsed.data;
}

/**
 * Plays a reset sequence on an open transport: each step sets its lines, then
 * holds them. `sleep` is injectable so tests see the timing without waiting.
 */
export async function playResetSequence(
  transport: Transport,
  sequence: ResetSequence,
  options: { sleep?: (ms: number, signal?: AbortSignal) => Promise<void>; signal?: AbortSignal } = {},
): Promise<void> {
  const steps = parseResetSequence(sequence);
  const sleep = options.sleep ?? abortableSleep;
  for (const step of steps) {
    if (options.signal?.aborted) throw new AppError('CANCELED', `The reset of the module on ${transport.path} was cancelled.`);
    const signals: { dtr?: boolean; rts?: boolean } = {};
    if (step.dtr !== undefined) signals.dtr = step.dtr;
    if (step.rts !== undefined) signals.rts = step.rts;
    if (signals.dtr !== undefined || signals.rts !== undefined) await transport.set(signals);
    if (step.holdMs > 0) await sleep(step.holdMs, options.signal);
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AppError('CANCELED', 'The module reset was cancelled.'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AppError('CANCELED', 'The module reset was cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
