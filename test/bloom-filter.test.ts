import { describe, expect, it } from 'vitest';
import { BloomFilter } from '../pipeline/state/bloom-filter.js';

describe('Bloom filter', () => {
  it('never says absent for an added code, and rarely says present for another', () => {
    const f = new BloomFilter(20_000, 0.01);
    const code = (i: number): string => `8${String(i).padStart(19, '0')}`;
    for (let i = 0; i < 20_000; i++) f.add(code(i));
    for (let i = 0; i < 20_000; i++) expect(f.mightContain(code(i))).toBe(true);
    let falsePositives = 0;
    for (let i = 20_000; i < 120_000; i++) if (f.mightContain(code(i))) falsePositives += 1;
    expect(falsePositives / 100_000).toBeLessThan(0.02);
    expect(f.bytes).toBeLessThan(30_000);
  });
});
