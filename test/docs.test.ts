import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README_PATH, renderReadme } from '../scripts/gen-docs.js';

describe('README', () => {
  it('tables generated from the code are current (run `npm run docs`)', () => {
    const text = readFileSync(README_PATH, 'utf8');
    expect(renderReadme(text)).toBe(text);
  });

  it('opens with the two commands for a fresh machine', () => {
    const text = readFileSync(README_PATH, 'utf8');
    const head = text.slice(0, 1500);
    expect(head).toContain('npm run setup && npm run demo');
    expect(head).toContain('npm test');
  });
});
