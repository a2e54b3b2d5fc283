/** The one id generator: random UUIDv4 from the platform's CSPRNG (Node and browsers). */
export const newId = (): string => globalThis.crypto.randomUUID();

/** How many of an id's first characters screens show to tell apart things that share a name (the hub's search takes them too). */
export const shortIdLength = 8;
/** An id as screens show it: its first characters. */
export const shortId = (id: string): string => id.slice(0, shortIdLength);
