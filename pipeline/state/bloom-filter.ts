/**
 * A Bloom filter of strings: "certainly absent" or "maybe present". Used in front of the shared
 * trace-code store so that a code never settled (the vast majority of codes a check sees) costs
 * no ClickHouse lookup. Double hashing of two FNV-1a variants; sized for an expected count and a
 * false-positive rate. Past its capacity the false-positive rate rises: more lookups, never a
 * wrong answer.
 */
export class BloomFilter {
  readonly #bits: Uint32Array;
  readonly #m: number;
  readonly #k: number;
  #count = 0;
  readonly capacity: number;

  constructor(capacity: number, falsePositiveRate = 0.01) {
    this.capacity = capacity;
    this.#m = Math.max(64, Math.ceil((-capacity * Math.log(falsePositiveRate)) / Math.LN2 ** 2));
    this.#k = Math.max(1, Math.round((this.#m / capacity) * Math.LN2));
    this.#bits = new Uint32Array(Math.ceil(this.#m / 32));
  }

  #hashes(text: string): [number, number] {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    return [h1 >>> 0, (h2 >>> 0) | 1];
  }

  add(text: string): void {
    const [a, b] = this.#hashes(text);
    for (let i = 0; i < this.#k; i++) {
      const bit = (a + Math.imul(i, b)) >>> 0;
      const idx = bit % this.#m;
      this.#bits[idx >>> 5]! |= 1 << (idx & 31);
    }
    this.#count += 1;
  }

  mightContain(text: string): boolean {
    const [a, b] = this.#hashes(text);
    for (let i = 0; i < this.#k; i++) {
      const idx = ((a + Math.imul(i, b)) >>> 0) % this.#m;
      if ((this.#bits[idx >>> 5]! & (1 << (idx & 31))) === 0) return false;
    }
    return true;
  }

  get count(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#bits.byteLength;
  }
}
