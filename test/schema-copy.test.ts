import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

describe('settlement schema', () => {
  it("the project's copy equals the shared contract", () => {
    const shared = here('../../shared/contracts/settlement-event.schema.json');
    let contract: string;
    try {
      contract = readFileSync(shared, 'utf8');
    } catch {
      throw new Error(`../shared/contracts/settlement-event.schema.json not found at ${shared}: the shared folder must sit beside the project`);
    }
    const ours = readFileSync(here('../pipeline/contracts/settlement-event.schema.json'), 'utf8');
    expect(JSON.parse(ours)).toEqual(JSON.parse(contract));
  });
});
