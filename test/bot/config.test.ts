import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseRateLimit } from '../../src/config.ts';

function load(env: Record<string, string>, checkAlgorithm?: (spec: string) => void) {
  return loadConfig({ env, dotenvPath: null, checkAlgorithm });
}

function problem(env: Record<string, string>, checkAlgorithm?: (spec: string) => void): string {
  try {
    load(env, checkAlgorithm);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has sensible defaults: the console, ml-latest-small, no admin list', () => {
    expect(load({})).toEqual({
      discord: undefined,
      slack: undefined,
      dataDir: undefined,
      dataset: 'ml-latest-small',
      datasetExplicit: false,
      dbPath: './data/marquee.db',
      admins: undefined,
      algorithms: ['ease', 'svd'],
      coldStart: 2,
      minRatings: 5,
      maxLazyModels: 2,
      retrainAfter: 50,
      retrainMinutes: 60,
      shutdownSeconds: 10,
      rateLimit: { count: 20, windowMs: 10_000 },
      logLevel: 'info',
      logLevelExplicit: false,
      downloadBase: undefined,
    });
  });

  it('reads every setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-data-'));
    const c = load({
      DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.abcdef.ghijklmnop',
      DISCORD_CLIENT_ID: '123456789012345678',
      DISCORD_GUILD_ID: '876543210987654321',
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
      SLACK_APP_TOKEN: 'xapp-1-A1-2-abc',
      SLACK_YIELD_NICE: '5',
      MARQUEE_DATA: dir,
      MARQUEE_DATASET: 'ml-100k',
      MARQUEE_DB: '/tmp/m.db',
      MARQUEE_ADMINS: 'console:local, slack:U123 ,discord:81234567890123456',
      MARQUEE_ALGORITHMS: 'svd,knn-basic:user_based=false,name=pearson,popular',
      MARQUEE_COLD_START: '3',
      MARQUEE_MIN_RATINGS: '0',
      MARQUEE_RETRAIN_AFTER: '10',
      MARQUEE_RETRAIN_MINUTES: '5',
      MARQUEE_RATE_LIMIT: '100/1m',
      LOG_LEVEL: 'DEBUG',
      MARQUEE_DOWNLOAD_BASE: 'https://mirror.example.org/movielens',
    });
    expect(c).toMatchObject({
      discord: { clientId: '123456789012345678', guildId: '876543210987654321' },
      slack: { botToken: 'xoxb-1-2-abc', appToken: 'xapp-1-A1-2-abc', yieldNice: 5 },
      dataDir: dir,
      dataset: 'ml-100k',
      datasetExplicit: true,
      admins: [
        { platform: 'console', userId: 'local' },
        { platform: 'slack', userId: 'U123' },
        { platform: 'discord', userId: '81234567890123456' },
      ],
      algorithms: ['svd', 'knn-basic:user_based=false,name=pearson', 'popular'],
      coldStart: 3,
      minRatings: 0,
      rateLimit: { count: 100, windowMs: 60_000 },
      logLevel: 'debug',
      logLevelExplicit: true,
    });
  });

  it('treats empty values as unset, and an empty admin list as "no admins"', () => {
    expect(load({ DISCORD_TOKEN: '', MARQUEE_COLD_START: ' ' })).toMatchObject({ discord: undefined, coldStart: 2 });
    expect(load({ MARQUEE_ADMINS: ',' }).admins).toEqual([]);
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ MARQUEE_COLD_START: 'abc' }, 'Configuration error: MARQUEE_COLD_START="abc": expected a whole number from 1 to 100'],
    [{ MARQUEE_COLD_START: '0' }, 'Configuration error: MARQUEE_COLD_START="0": expected a whole number from 1 to 100'],
    [{ MARQUEE_RETRAIN_AFTER: '2.5' }, 'Configuration error: MARQUEE_RETRAIN_AFTER="2.5": expected a whole number from 1 to 1000000'],
    [{ MARQUEE_RETRAIN_MINUTES: '-1' }, 'Configuration error: MARQUEE_RETRAIN_MINUTES="-1": expected a whole number from 1 to 10080'],
    [{ MARQUEE_RATE_LIMIT: 'fast' }, 'Configuration error: MARQUEE_RATE_LIMIT="fast": expected COUNT/WINDOW such as 20/10s, 100/1m or 5/500ms (1 to 10000 commands, window up to 24h), or "off"'],
    [{ LOG_LEVEL: 'verbose' }, 'Configuration error: LOG_LEVEL="verbose": expected one of fatal, error, warn, info, debug, trace, silent'],
    [{ MARQUEE_ADMINS: 'console:local,bob' }, 'Configuration error: MARQUEE_ADMINS="console:local,bob": "bob" is not platform:userId; expected a comma-separated list like console:local,slack:U123,discord:81234567890123456 (platforms: console, discord, slack)'],
    [{ MARQUEE_ADMINS: 'irc:bob' }, 'Configuration error: MARQUEE_ADMINS="irc:bob": "irc:bob" is not platform:userId'],
    [{ MARQUEE_DATA: '/no/such/folder' }, 'Configuration error: MARQUEE_DATA="/no/such/folder": expected an existing folder holding the dataset files'],
    [{ MARQUEE_DATASET: 'ML Latest' }, 'Configuration error: MARQUEE_DATASET="ML Latest": expected a dataset name such as ml-latest-small, ml-100k or the-movies-dataset'],
    [{ MARQUEE_DOWNLOAD_BASE: 'ftp://x' }, 'Configuration error: MARQUEE_DOWNLOAD_BASE="ftp://x": expected an http:// or https:// URL'],
    [{ DISCORD_CLIENT_ID: '12ab' , DISCORD_TOKEN: 'x'.repeat(30) }, 'Configuration error: DISCORD_CLIENT_ID="12ab": expected the application id, 17 to 20 digits'],
    [{ DISCORD_TOKEN: 'x'.repeat(30) }, 'Configuration error: DISCORD_CLIENT_ID is not set: it is required with DISCORD_TOKEN'],
    [{ SLACK_BOT_TOKEN: 'xoxp-123' }, 'Configuration error: SLACK_BOT_TOKEN="xoxp…(8 characters)": expected a bot token starting with "xoxb-"'],
    [{ SLACK_BOT_TOKEN: 'xoxb-123' }, 'Configuration error: SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN'],
    [{ SLACK_APP_TOKEN: 'xapp-1' }, 'Configuration error: SLACK_BOT_TOKEN is not set, but SLACK_SIGNING_SECRET/SLACK_APP_TOKEN are'],
    [{ SLACK_YIELD_NICE: '-5' }, 'Configuration error: SLACK_YIELD_NICE="-5": expected a whole number from 0 to 19'],
    [{ SLACK_YIELD_NICE: '20' }, 'Configuration error: SLACK_YIELD_NICE="20": expected a whole number from 0 to 19'],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env).slice(0, 70)} with one clear message`, () => {
      const text = problem(env);
      expect(text.startsWith(message)).toBe(true);
      expect(text).not.toMatch(/\n\s+at /);
    });
  }

  it('lists every bad setting at once, one line each', () => {
    expect(problem({ MARQUEE_COLD_START: 'x', LOG_LEVEL: 'loud' })).toBe(
      [
        'Configuration errors:',
        '  - MARQUEE_COLD_START="x": expected a whole number from 1 to 100',
        '  - LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent',
      ].join('\n'),
    );
  });

  it('checks algorithm names with the given checker and reports its message', () => {
    const check = (spec: string) => {
      if (!['svd', 'popular'].includes(spec)) throw new Error(`unknown algorithm "${spec}"; accepted: svd, popular`);
    };
    expect(load({ MARQUEE_ALGORITHMS: 'svd;popular' }, check).algorithms).toEqual(['svd', 'popular']);
    expect(problem({ MARQUEE_ALGORITHMS: 'svd,svdd' }, check)).toBe(
      'Configuration error: MARQUEE_ALGORITHMS="svd,svdd": unknown algorithm "svdd"; accepted: svd, popular',
    );
  });

  it('reads .env, with the real environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, '# settings\nMARQUEE_COLD_START=7\nMARQUEE_DB=/from/dotenv.db\n');
    const c = loadConfig({ env: { MARQUEE_DB: '/from/env.db' }, dotenvPath: file });
    expect([c.coldStart, c.dbPath]).toEqual([7, '/from/env.db']);
  });

  it('parses rate limits', () => {
    expect(['20/10s', '5/500ms', '100 / 1m', '1000/1h', '3/2', 'off'].map(parseRateLimit)).toEqual([
      { count: 20, windowMs: 10_000 },
      { count: 5, windowMs: 500 },
      { count: 100, windowMs: 60_000 },
      { count: 1000, windowMs: 3_600_000 },
      { count: 3, windowMs: 2000 },
      { count: 0, windowMs: 0 },
    ]);
    expect(['0/10s', '20', '20/0s', 'x/y'].map(parseRateLimit)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('.env.example', () => {
  it('is a valid configuration as it stands, documenting every setting', async () => {
    const { readFileSync } = await import('node:fs');
    const { SETTINGS } = await import('../../src/config.ts');
    const path = new URL('../../.env.example', import.meta.url).pathname;
    const c = loadConfig({ env: {}, dotenvPath: path });
    expect(c.discord).toBeUndefined();
    expect(c.algorithms).toEqual(['ease', 'svd']);
    const text = readFileSync(path, 'utf8');
    for (const key of SETTINGS) expect(text, key).toMatch(new RegExp(`^${key}=`, 'm'));
  });
});
