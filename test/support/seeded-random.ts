/**
 * A seeded pseudo-random generator (mulberry32) for tests that draw random
 * moments: print the seed, and the same seed replays the same draws.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `env[name]` (to replay a run), else a fresh one; says which on the console. */
export function seedFromEnv(name: string, label: string): number {
  const given = process.env[name];
  if (given !== undefined && !/^\d+$/.test(given))
    throw new Error(`${name} must be a whole number (the seed a run printed); got "${given}".`);
  const seed = given !== undefined ? Number(given) >>> 0 : Math.floor(Math.random() * 2 ** 32);
  console.log(`[${label}] seed ${seed}${given !== undefined ? ' (from ' + name + ')' : ''}; replay with ${name}=${seed}`);
  return seed;
}
