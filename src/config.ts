/**
 * Configuration from `.env` and the environment, validated once at start-up.
 *
 * Every setting is a string in the environment; each has a zod schema that turns it into a typed
 * value. A bad setting becomes one line naming the setting, the value given and what is expected;
 * `ConfigError` carries all such lines so a person fixes them in one go, without a stack trace.
 * Values in the real environment win over `.env` (the usual dotenv rule).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import type { Platform } from './store/api.ts';
import { LOG_LEVELS, type LogLevel } from './log.ts';

export interface AdminRef {
  platform: Platform;
  userId: string;
}

export interface RateLimitSetting {
  /** commands allowed per window; 0 = no limit */
  count: number;
  windowMs: number;
}

export interface Config {
  /** apiUrl: DISCORD_API_URL, the REST base (a proxy or a test double); the gateway URL then comes from its /gateway/bot */
  discord?: { token: string; clientId: string; guildId?: string; apiUrl?: string };
  /** apiUrl: SLACK_API_URL, the Web API base ending in /api/ (a proxy or a test double) */
  /**
   * yieldNice: SLACK_YIELD_NICE, the nice every thread of the bot but the HTTP front's takes once
   * the front listens (Linux; default 5, YIELD_TO_FRONT_NICE in src/bot/adapters/slack-front.ts,
   * where its measurement is; 0: the priorities are left alone)
   */
  slack?: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string; yieldNice?: number };
  /** MARQUEE_HEALTH_PORT: where /healthz and /metrics listen; undefined = not served */
  healthPort?: number;
  /** MARQUEE_SHUTDOWN_SECONDS: how long SIGTERM/SIGINT waits for the commands in flight */
  shutdownSeconds: number;
  /** MARQUEE_DATA: a folder holding the dataset's files; undefined = ./data/<dataset> */
  dataDir?: string;
  dataset: string;
  /** whether MARQUEE_DATASET was set (else `dataset` is the default) */
  datasetExplicit: boolean;
  dbPath: string;
  /** undefined when MARQUEE_ADMINS is unset: then the local console user is the admin */
  admins?: AdminRef[];
  algorithms: string[];
  coldStart: number;
  minRatings: number;
  maxLazyModels: number;
  retrainAfter: number;
  retrainMinutes: number;
  rateLimit: RateLimitSetting;
  logLevel: LogLevel;
  /** LOG_LEVEL was set; when not, the console runs at `warn` so logs don't interleave with answers */
  logLevelExplicit: boolean;
  downloadBase?: string;
  /** MARQUEE_ALS_FACTORS: the folder spark/train_als.py wrote, served by als-import; undefined = none */
  alsFactors?: string;
}

export const DEFAULTS = {
  dataset: 'ml-latest-small',
  dbPath: './data/marquee.db',
  // ease is the default /recommend: the best on the top-N yardstick (ml-latest-small leave-one-out
  // HR@10: ease 0.257, item-knn 0.167, svd 0.067 shrunk, the chart 0.074); svd predicts stars
  // (movie night averages it) and answers while ease trains. item-knn stays out: with it the bot
  // bench's RSS was 422 MB, without it 395 MB (target < 400 MB; `npx tsx bench/run.ts --only bot`).
  // `popular` is no model: the service serves it (and cold starts) from the chart.
  algorithms: ['ease', 'svd'],
  // From the cold-start curve (HR@10 of live members ranked from k random ratings, leave-one-out,
  // `npm run evaluate -- --data <dir> --topn --algos ease,item-knn,ials --profile-sizes 1,2,3,5,10,20`):
  //   ml-latest-small  ease k=1 0.062, k=2 0.079, k=3 0.077, k=5 0.110, k=10 0.134; chart 0.074
  //   ml-100k          ease k=1 0.090, k=2 0.114, k=3 0.123, k=5 0.128, k=10 0.178; chart 0.094
  // With one rating ease ranks below the chart on both datasets; from two it is above on both
  // (on ml-latest-small within the 95% interval, ±0.021), so personal picks start at 2.
  coldStart: 2,
  minRatings: 5,
  maxLazyModels: 2,
  retrainAfter: 50,
  retrainMinutes: 60,
  shutdownSeconds: 10,
  rateLimit: '20/10s',
  logLevel: 'info' as LogLevel,
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Configuration error: ${problems[0]}`
        : `Configuration errors:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

const PLATFORMS = ['console', 'discord', 'slack'] as const;

/** Empty strings count as unset, so `DISCORD_TOKEN=` in .env means "no Discord". */
const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

function wholeNumber(def: number, min: number, max: number) {
  const expected = `expected a whole number from ${min} to ${max}`;
  return optional.transform((v, ctx) => {
    if (v === undefined) return def;
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    return n;
  });
}

function pattern(re: RegExp, expected: string) {
  return optional.refine((v) => v === undefined || re.test(v), { message: expected });
}

/** An http(s) URL (a download mirror, an API base behind a proxy or a test double). */
function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

function httpUrl(expected: string) {
  return optional.refine((v) => v === undefined || isHttpUrl(v), { message: expected });
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseRateLimit(text: string): RateLimitSetting | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === '0') return { count: 0, windowMs: 0 };
  const m = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(t);
  if (!m) return undefined;
  const count = Number(m[1]);
  const windowMs = Number(m[2]) * UNITS[m[3] ?? 's'];
  if (count < 1 || count > 10_000 || windowMs < 1 || windowMs > 86_400_000) return undefined;
  return { count, windowMs };
}

export function parseAdmins(text: string): { admins: AdminRef[] } | { bad: string } {
  const admins: AdminRef[] = [];
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const platform = entry.slice(0, colon).toLowerCase();
    const userId = entry.slice(colon + 1).trim();
    if (colon <= 0 || !(PLATFORMS as readonly string[]).includes(platform) || userId === '') return { bad: entry };
    admins.push({ platform: platform as Platform, userId });
  }
  return { admins };
}

function schema(checkAlgorithm?: (spec: string) => void) {
  return z.object({
    DISCORD_TOKEN: pattern(/^\S{20,}$/, 'expected a Discord bot token (Developer Portal > Bot > Token)'),
    DISCORD_CLIENT_ID: pattern(/^\d{17,20}$/, 'expected the application id, 17 to 20 digits'),
    DISCORD_GUILD_ID: pattern(/^\d{17,20}$/, 'expected a server (guild) id, 17 to 20 digits'),
    SLACK_BOT_TOKEN: pattern(/^xoxb-\S+$/, 'expected a bot token starting with "xoxb-"'),
    SLACK_SIGNING_SECRET: pattern(/^[0-9a-f]{32}$/i, 'expected the 32 hex digit signing secret from Basic Information'),
    SLACK_APP_TOKEN: pattern(/^xapp-\S+$/, 'expected an app-level token starting with "xapp-" (Socket Mode)'),
    MARQUEE_DATA: optional.refine((v) => v === undefined || existsSync(v), {
      message: 'expected an existing folder holding the dataset files',
    }),
    MARQUEE_DATASET: pattern(
      /^[a-z0-9][a-z0-9._-]{0,63}$/,
      'expected a dataset name such as ml-latest-small, ml-100k or the-movies-dataset',
    ).transform((v) => v ?? DEFAULTS.dataset),
    MARQUEE_DB: optional.transform((v) => v ?? DEFAULTS.dbPath),
    MARQUEE_ADMINS: optional.transform((v, ctx) => {
      if (v === undefined) return undefined;
      const parsed = parseAdmins(v);
      if ('bad' in parsed) {
        ctx.addIssue({
          code: 'custom',
          message: `"${parsed.bad}" is not platform:userId; expected a comma-separated list like console:local,slack:U123,discord:81234567890123456 (platforms: ${PLATFORMS.join(', ')})`,
        });
        return z.NEVER;
      }
      return parsed.admins;
    }),
    MARQUEE_ALGORITHMS: optional.transform((v, ctx) => {
      // a comma inside a spec separates its parameters (knn-basic:user_based=false,name=pearson),
      // so only a comma not followed by `key=` starts the next algorithm
      const list = v === undefined ? [...DEFAULTS.algorithms] : v.split(/;|,(?![^,:]*=)/);
      const specs = list.map((s) => s.trim()).filter((s) => s !== '');
      if (specs.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'expected at least one algorithm name, e.g. svd,knn-item,popular' });
        return z.NEVER;
      }
      if (checkAlgorithm) {
        for (const spec of specs) {
          try {
            checkAlgorithm(spec);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
            return z.NEVER;
          }
        }
      }
      return specs;
    }),
    MARQUEE_COLD_START: wholeNumber(DEFAULTS.coldStart, 1, 100),
    MARQUEE_MIN_RATINGS: wholeNumber(DEFAULTS.minRatings, 0, 1_000_000),
    MARQUEE_MAX_LAZY_MODELS: wholeNumber(DEFAULTS.maxLazyModels, 1, 20),
    MARQUEE_RETRAIN_AFTER: wholeNumber(DEFAULTS.retrainAfter, 1, 1_000_000),
    MARQUEE_RETRAIN_MINUTES: wholeNumber(DEFAULTS.retrainMinutes, 1, 10_080),
    MARQUEE_RATE_LIMIT: optional.transform((v, ctx) => {
      const parsed = parseRateLimit(v ?? DEFAULTS.rateLimit);
      if (!parsed) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected COUNT/WINDOW such as 20/10s, 100/1m or 5/500ms (1 to 10000 commands, window up to 24h), or "off"',
        });
        return z.NEVER;
      }
      return parsed;
    }),
    LOG_LEVEL: optional.transform((v, ctx) => {
      const level = (v ?? DEFAULTS.logLevel).toLowerCase();
      if (!(LOG_LEVELS as readonly string[]).includes(level)) {
        ctx.addIssue({ code: 'custom', message: `expected one of ${LOG_LEVELS.join(', ')}` });
        return z.NEVER;
      }
      return level as LogLevel;
    }),
    DISCORD_API_URL: httpUrl('expected the http:// or https:// base of Discord\'s REST API, e.g. https://discord.com/api'),
    SLACK_API_URL: httpUrl('expected the http:// or https:// base of Slack\'s Web API, e.g. https://slack.com/api/'),
    SLACK_YIELD_NICE: wholeNumber(5, 0, 19),
    MARQUEE_HEALTH_PORT: optional.transform((v, ctx) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: 'expected a TCP port, 1 to 65535' });
        return z.NEVER;
      }
      return n;
    }),
    MARQUEE_ALS_FACTORS: optional.refine((v) => v === undefined || (existsSync(v) && statSync(v).isDirectory()), {
      message: 'expected the folder spark/train_als.py wrote (params.json, user_factors/, item_factors/)',
    }),
    MARQUEE_SHUTDOWN_SECONDS: wholeNumber(DEFAULTS.shutdownSeconds, 1, 600),
    MARQUEE_DOWNLOAD_BASE: httpUrl('expected an http:// or https:// URL of a folder holding <dataset>.zip and <dataset>.zip.md5'),
  });
}

export const SETTINGS = Object.keys(schema().shape) as ReadonlyArray<string>;

export interface LoadConfigOptions {
  /** the environment to read; default process.env */
  env?: Record<string, string | undefined>;
  /** a .env file merged under the environment; default ./.env; null = none */
  dotenvPath?: string | null;
  /** validates one algorithm spec, throwing with a message naming what is accepted */
  checkAlgorithm?: (spec: string) => void;
}

/** Reads and validates every setting; throws ConfigError listing each bad one. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = { ...readDotenv(opts.dotenvPath === undefined ? '.env' : opts.dotenvPath), ...(opts.env ?? process.env) };
  const result = schema(opts.checkAlgorithm).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      return `${key}=${describeValue(key, env[key])}: ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const s = result.data;
  const problems: string[] = [];

  let discord: Config['discord'];
  if (s.DISCORD_TOKEN !== undefined) {
    if (s.DISCORD_CLIENT_ID === undefined) {
      problems.push('DISCORD_CLIENT_ID is not set: it is required with DISCORD_TOKEN (the application id, 17 to 20 digits)');
    } else {
      discord = { token: s.DISCORD_TOKEN, clientId: s.DISCORD_CLIENT_ID, guildId: s.DISCORD_GUILD_ID, apiUrl: s.DISCORD_API_URL };
    }
  } else if (s.DISCORD_CLIENT_ID !== undefined || s.DISCORD_GUILD_ID !== undefined) {
    problems.push('DISCORD_TOKEN is not set, but DISCORD_CLIENT_ID/DISCORD_GUILD_ID are: set the bot token too, or remove them');
  }

  let slack: Config['slack'];
  if (s.SLACK_BOT_TOKEN !== undefined) {
    if (s.SLACK_SIGNING_SECRET === undefined && s.SLACK_APP_TOKEN === undefined) {
      problems.push(
        'SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode, xapp-…) nor SLACK_SIGNING_SECRET (HTTP events) is: set one of them',
      );
    } else {
      slack = { botToken: s.SLACK_BOT_TOKEN, signingSecret: s.SLACK_SIGNING_SECRET, appToken: s.SLACK_APP_TOKEN, apiUrl: s.SLACK_API_URL, yieldNice: s.SLACK_YIELD_NICE };
    }
  } else if (s.SLACK_SIGNING_SECRET !== undefined || s.SLACK_APP_TOKEN !== undefined) {
    problems.push('SLACK_BOT_TOKEN is not set, but SLACK_SIGNING_SECRET/SLACK_APP_TOKEN are: set the xoxb- bot token too, or remove them');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    discord,
    slack,
    dataDir: s.MARQUEE_DATA,
    dataset: s.MARQUEE_DATASET,
    datasetExplicit: env.MARQUEE_DATASET !== undefined && env.MARQUEE_DATASET.trim() !== '',
    dbPath: s.MARQUEE_DB,
    admins: s.MARQUEE_ADMINS,
    algorithms: s.MARQUEE_ALGORITHMS,
    coldStart: s.MARQUEE_COLD_START,
    minRatings: s.MARQUEE_MIN_RATINGS,
    maxLazyModels: s.MARQUEE_MAX_LAZY_MODELS,
    retrainAfter: s.MARQUEE_RETRAIN_AFTER,
    retrainMinutes: s.MARQUEE_RETRAIN_MINUTES,
    rateLimit: s.MARQUEE_RATE_LIMIT,
    healthPort: s.MARQUEE_HEALTH_PORT,
    shutdownSeconds: s.MARQUEE_SHUTDOWN_SECONDS,
    logLevel: s.LOG_LEVEL,
    logLevelExplicit: env.LOG_LEVEL !== undefined && env.LOG_LEVEL.trim() !== '',
    downloadBase: s.MARQUEE_DOWNLOAD_BASE,
    alsFactors: s.MARQUEE_ALS_FACTORS,
  };
}

function readDotenv(path: string | null): Record<string, string> {
  if (path === null || !existsSync(path)) return {};
  return parseDotenv(readFileSync(path));
}

/** Secrets are never echoed back in full: enough to recognise which value it was. */
function describeValue(key: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  const secret = /TOKEN|SECRET/.test(key);
  const shown = secret ? `${value.slice(0, Math.min(4, Math.floor(value.length / 2)))}…(${value.length} characters)` : value;
  return JSON.stringify(shown.length > 120 ? `${shown.slice(0, 117)}...` : shown);
}
