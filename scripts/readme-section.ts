/**
 * README sections written by code: the text between `<!-- name:start -->` and `<!-- name:end -->`.
 * `npm run docs` fills the tables generated from the code; the benchmarks write their measured
 * figures (`--write-readme`). Nothing in a section is typed by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

/** `text` with section `name` replaced by `body`; throws when the markers are missing. */
export function replaceSection(text: string, name: string, body: string): string {
  const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`README.md lacks the <!-- ${name}:start --> … <!-- ${name}:end --> markers`);
  // A function replacement, so `$` in the body is taken literally.
  return text.replace(re, (_m, start: string, end: string) => `${start}${body}\n${end}`);
}

/** Writes section `name` of README.md. */
export function writeReadmeSection(name: string, body: string): void {
  writeFileSync(README_PATH, replaceSection(readFileSync(README_PATH, 'utf8'), name, body));
}
