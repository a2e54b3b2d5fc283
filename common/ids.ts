/** The one id generator: random UUIDv4 from the platform's CSPRNG (Node and browsers). */
export const newId = (): string => globalThis.crypto.randomUUID();
