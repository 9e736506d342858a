/**
 * The Slack app manifest for Marquee, built from the command registry, so setting the app up is
 * "paste this at api.slack.com/apps > Create New App > From a manifest" instead of typing fifteen
 * slash commands by hand.
 *
 *   tsx src/bot/adapters/slack-manifest.ts                     Socket Mode (no public URL)
 *   tsx src/bot/adapters/slack-manifest.ts --url https://…/slack/events   HTTP (Events API)
 *   npm run manifest:slack -- --out manifest.json             written to a file
 *
 * `--out` exists because `npm run manifest:slack > manifest.json` captures npm's own banner
 * ("> marquee@0.1.0 manifest:slack …") on stdout too, and the file is not JSON.
 *
 * Slash commands ask Slack to escape mentions (`should_escape`), so `@ann` arrives as
 * `<@U123|ann>`, the form the parser turns into a member.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCommands } from '../../../commands/index.ts';
import { usage, type CommandRegistry } from '../command.ts';
import { UMBRELLA_COMMAND } from './slack.ts';

/**
 * Bot scopes: slash commands; posting answers (also in public channels the bot has not joined,
 * when a response_url has expired); uploading charts and exports; opening a direct message for
 * private files.
 */
export const SLACK_BOT_SCOPES = ['commands', 'chat:write', 'chat:write.public', 'files:write', 'im:write'] as const;

export interface SlackManifestOptions {
  name?: string;
  /** the Events API request URL (HTTP mode, ends in /slack/events); omitted: Socket Mode */
  requestUrl?: string;
}

interface SlashCommandEntry {
  command: string;
  description: string;
  usage_hint?: string;
  should_escape: boolean;
  url?: string;
}

export function slackManifest(commands: CommandRegistry, opts: SlackManifestOptions = {}): Record<string, unknown> {
  const name = opts.name ?? 'Marquee';
  const url = opts.requestUrl;
  const entry = (command: string, description: string, hint: string): SlashCommandEntry => ({
    command,
    description,
    ...(hint ? { usage_hint: hint } : {}),
    should_escape: true,
    ...(url ? { url } : {}),
  });
  const slash = commands.list.map((def) => entry(`/${def.name}`, def.description, usage(def).replace(/^\S+\s*/, '')));
  if (!commands.get(UMBRELLA_COMMAND)) slash.push(entry(`/${UMBRELLA_COMMAND}`, `Run any ${name} command: /${UMBRELLA_COMMAND} rate The Matrix 4.5`, '<command> [options]'));
  return {
    display_information: {
      name,
      description: 'Rate movies in chat; get recommendations from the members’ taste.',
      background_color: '#2b2118',
    },
    features: {
      bot_user: { display_name: name, always_online: true },
      slash_commands: slash,
    },
    oauth_config: { scopes: { bot: [...SLACK_BOT_SCOPES] } },
    settings: {
      interactivity: url ? { is_enabled: true, request_url: url } : { is_enabled: true },
      org_deploy_enabled: false,
      socket_mode_enabled: url === undefined,
      token_rotation_enabled: false,
    },
  };
}

const USAGE = 'Usage: tsx src/bot/adapters/slack-manifest.ts [--url https://your.host/slack/events] [--out manifest.json]';

export async function main(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let requestUrl: string | undefined;
  let outFile: string | undefined;
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--url' && argv[k + 1]) requestUrl = argv[++k];
    else if (argv[k] === '--out' && argv[k + 1] && !argv[k + 1].startsWith('--')) outFile = argv[++k];
    else {
      err(`${argv[k] === '--url' || argv[k] === '--out' ? `${argv[k]} needs a value.` : `Unknown argument ${argv[k]}.`} ${USAGE}`);
      return 1;
    }
  }
  if (requestUrl !== undefined && !/^https:\/\/\S+$/.test(requestUrl)) {
    err(`--url must be an https:// address (Slack only calls https), e.g. https://marquee.example.org/slack/events; got ${requestUrl}`);
    return 1;
  }
  const json = JSON.stringify(slackManifest(await loadCommands(), { requestUrl }), null, 2);
  if (outFile === undefined) {
    out(json);
    return 0;
  }
  const path = resolve(outFile);
  try {
    writeFileSync(path, `${json}\n`);
  } catch (e) {
    err(`Cannot write ${path}: ${(e as Error).message}`);
    return 1;
  }
  err(`Wrote the Slack app manifest to ${path}: paste it at api.slack.com/apps > Create New App > From a manifest.`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(
    process.argv.slice(2),
    (s) => process.stdout.write(`${s}\n`),
    (s) => process.stderr.write(`${s}\n`),
  ).then((code) => {
    process.exitCode = code;
  });
}
