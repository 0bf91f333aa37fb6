/**
 * The scripts as people call them: every one answers `--help`, and replay follows the contract's
 * command line (exit codes, a clear message when the input cannot be read, the alerts file written).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { GOLDEN_CATALOGUE, GOLDEN_DIR, REPO_ROOT } from './support/paths.js';

const run = promisify(execFile);
const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'yb-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(tsx, [join(REPO_ROOT, script), ...args], { cwd: REPO_ROOT, env: { ...process.env, YB_LOG_LEVEL: 'silent' }, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('command lines', () => {
  // Every entry point: each file of scripts/ that parses a command line, and the others by name.
  const entryPoints = readdirSync(join(REPO_ROOT, 'scripts'))
    .filter((f) => f.endsWith('.ts') && readFileSync(join(REPO_ROOT, 'scripts', f), 'utf8').includes('new Command('))
    .map((f) => `scripts/${f}`);
  it('finds the scripts', () => expect(entryPoints.length).toBeGreaterThanOrEqual(13));
  it.each([...entryPoints, 'pipeline/main.ts', 'test/golden/update-goldens.ts'])(
    '%s --help',
    async (script) => {
      const r = await cli(script, ['--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage:/);
      expect(r.stdout).toMatch(/[\u4e00-\u9fff]|--/);
    },
  );

  it('replay exits 2 with a clear message when the input cannot be read', async () => {
    const r = await cli('scripts/replay.ts', ['--input', join(dir, 'missing.ndjson'), '--out', join(dir, 'a.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read input .*missing\.ndjson/);
  });

  it('replay exits 3 listing the problems of an invalid catalogue', async () => {
    writeFileSync(join(dir, 'bad-catalogue.json'), JSON.stringify([{ med_list_codg: 'A', name: 'x', sex: 'M' }, { name: 'no code' }]));
    writeFileSync(join(dir, 'one.ndjson'), '{}\n');
    const r = await cli('scripts/replay.ts', ['--input', join(dir, 'one.ndjson'), '--out', join(dir, 'a.ndjson'), '--catalogue', join(dir, 'bad-catalogue.json')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\/0\/sex/);
    expect(r.stderr).toMatch(/med_list_codg/);
  });

  it('replay writes the alerts of a file and a summary, counting a bad line without failing', async () => {
    const events = readFileSync(join(GOLDEN_DIR, 'rx.gender_restricted', 'sex-restricted.events.ndjson'), 'utf8');
    const input = join(dir, 'mixed.ndjson');
    writeFileSync(input, `${events}not json at all\n\n`);
    const out = join(dir, 'alerts.ndjson');
    const r = await cli('scripts/replay.ts', ['--input', input, '--out', out, '--catalogue', GOLDEN_CATALOGUE, '--quiet']);
    expect(r.code).toBe(0);
    const expected = readFileSync(join(GOLDEN_DIR, 'rx.gender_restricted', 'sex-restricted.alerts.ndjson'), 'utf8').split('\n').filter(Boolean);
    const got = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { alert_id: string; phase: string });
    expect(got.map((a) => a.alert_id).sort()).toEqual(expected.map((l) => (JSON.parse(l) as { alert_id: string }).alert_id).sort());
    expect(got.every((a) => a.phase === 'in')).toBe(true);
    expect(r.stdout).toMatch(/not_json\s+1/);
    expect(r.stdout).toMatch(/settlements\/s/);
  });
});
