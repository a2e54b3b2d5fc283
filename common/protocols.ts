/**
 * The protocols the station speaks: the one list every other list derives
 * from (the ProtocolId union, the UI contract's zod enum, the simulator's
 * protocols, and native/protocols/index.ts's map of descriptors, each with its
 * driver, uuid lengths and personality, keyed by ProtocolId so the compiler
 * refuses one left out). The order is the detection order: a port is asked
 * in this order which protocol its module speaks (tuya-auc first: a
 * checksummed binary frame that a text console ignores; the console's line
 * commands come second). A protocol from elsewhere (a test's) joins at run
 * time, after these, with registerProtocol (native/protocols/index.ts).
 */
export const protocolIds = ['tuya-auc', 'tuyaopen-cli'] as const;
export type ProtocolId = (typeof protocolIds)[number];

export function isProtocolId(value: unknown): value is ProtocolId {
  return typeof value === 'string' && (protocolIds as readonly string[]).includes(value);
}
