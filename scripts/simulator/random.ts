/**
 * Seeded randomness for the simulator. `sfc32` (Chris Doty-Humphrey's Small Fast Counting
 * generator, 32-bit state words, from PractRand) seeded through `splitmix32`, so a seed gives the
 * same stream on every run, platform and Node version. Never `Math.random()`: the seed is injected.
 *
 * `hash32` / `unitHash` give stable per-key values (a price per item and region, a facility's
 * mark-up) without storing them: the same key always hashes to the same number.
 */

/** A deterministic source of random numbers. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform integer in [min, max] (both inclusive). */
  intBetween(min: number, max: number): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element, uniformly. Throws on an empty array (a bug in the caller). */
  pick<T>(items: readonly T[]): T;
  /** One element with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** An independent stream derived from this one's seed and a label (stable across code changes elsewhere). */
  fork(label: string): Random;
}

/** FNV-1a over the parts, then the murmur3 finaliser: a well-mixed unsigned 32-bit hash. */
export function hash32(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === 'number' ? String(part) : part;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f; // part separator
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stable value in [0, 1) for a key. */
export function unitHash(...parts: readonly (string | number)[]): number {
  return hash32(...parts) / 4294967296;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/** Creates a generator from a numeric or textual seed. */
export function createRandom(seed: number | string): Random {
  const seedText = String(seed);
  const init = splitmix32(hash32('sfc32', seedText));
  let a = init(), b = init(), c = init(), d = init();
  const nextU32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextU32(); // warm-up, as recommended for sfc32
  let spareNormal: number | undefined;

  const rng: Random = {
    next: () => nextU32() / 4294967296,
    int: (n) => Math.floor((nextU32() / 4294967296) * n),
    intBetween: (min, max) => min + Math.floor((nextU32() / 4294967296) * (max - min + 1)),
    between: (min, max) => min + (nextU32() / 4294967296) * (max - min),
    chance: (p) => nextU32() / 4294967296 < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('Random.pick: empty array');
      return items[Math.floor((nextU32() / 4294967296) * items.length)] as T;
    },
    weighted<T>(items: readonly T[], weight: (item: T) => number): T {
      if (items.length === 0) throw new Error('Random.weighted: empty array');
      let total = 0;
      for (const item of items) total += Math.max(0, weight(item));
      let r = (nextU32() / 4294967296) * total;
      for (const item of items) {
        r -= Math.max(0, weight(item));
        if (r < 0) return item;
      }
      return items[items.length - 1] as T;
    },
    normal() {
      if (spareNormal !== undefined) {
        const v = spareNormal;
        spareNormal = undefined;
        return v;
      }
      const u = 1 - nextU32() / 4294967296; // (0, 1]
      const v = nextU32() / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: (label) => createRandom(`${seedText}/${label}`),
  };
  return rng;
}
