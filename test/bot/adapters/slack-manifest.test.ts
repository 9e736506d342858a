import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/bot/adapters/slack-manifest.ts';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out, err };
}

describe('writing the Slack manifest to a file', () => {
  it('--out writes valid JSON to the file and nothing to stdout (where npm prints its banner)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'marquee-manifest-')), 'manifest.json');
    const r = await run(['--out', file, '--url', 'https://marquee.example.org/slack/events']);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([`Wrote the Slack app manifest to ${file}: paste it at api.slack.com/apps > Create New App > From a manifest.`]);
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { settings: { socket_mode_enabled: boolean; interactivity: { request_url?: string } } };
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.settings.interactivity.request_url).toBe('https://marquee.example.org/slack/events');
  });

  it('without --out prints the manifest on stdout as before', async () => {
    const r = await run([]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out[0]) as { settings: { socket_mode_enabled: boolean } }).settings.socket_mode_enabled).toBe(true);
  });

  it('--out without a file, or a file it cannot write, is a clear error', async () => {
    expect(await run(['--out'])).toMatchObject({ code: 1, err: [expect.stringMatching(/^--out needs a value\. Usage: .*\[--out manifest\.json\]$/)] });
    const dir = mkdtempSync(join(tmpdir(), 'marquee-manifest-'));
    const r = await run(['--out', dir]);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(new RegExp(`^Cannot write ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: EISDIR`));
  });
});
