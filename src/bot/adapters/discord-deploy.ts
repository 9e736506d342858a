/**
 * `npm run deploy:discord [-- --global]`: registers Marquee's slash commands with Discord.
 *
 * With DISCORD_GUILD_ID set the commands go to that server and appear at once (development);
 * `--global` (or no DISCORD_GUILD_ID) registers them for every server, which Discord may take up
 * to an hour to show. The bot also does this on start; run it by hand after changing commands
 * while the bot is not running, or to move between server and global registration.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCommands } from '../../../commands/index.ts';
import { loadConfig } from '../../config.ts';
import { REST } from 'discord.js';
import { deployDiscordCommands } from './discord-commands.ts';
import { classifyLoginFailure, discordApiBase, LoginAttemptError } from './discord-connection.ts';

export async function main(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  say: (s: string) => void,
  /** the .env file merged under `env`; null for none */
  dotenvPath: string | null = '.env',
): Promise<number> {
  const global = argv.includes('--global');
  const unknown = argv.filter((a) => a !== '--global');
  if (unknown.length) {
    say(`Unknown argument ${unknown[0]}. Usage: npm run deploy:discord [-- --global]`);
    return 1;
  }
  try {
    const config = loadConfig({ env, dotenvPath });
    if (!config.discord) {
      say('DISCORD_TOKEN and DISCORD_CLIENT_ID must be set (in .env or the environment) to register the commands.');
      return 1;
    }
    const commands = await loadCommands();
    const guildId = global ? undefined : config.discord.guildId;
    // DISCORD_API_URL reaches this REST client too: a proxy or a test double serves the deploy
    const api = discordApiBase(config.discord);
    const rest = new REST({ version: '10', api }).setToken(config.discord.token);
    let r;
    try {
      r = await deployDiscordCommands({ token: config.discord.token, clientId: config.discord.clientId, guildId, commands, rest });
    } catch (err) {
      // the same reading as the bot's login: an unreachable Discord is not a bad token
      const verdict = classifyLoginFailure(new LoginAttemptError(err), api);
      say(verdict.retry ? `Discord is unreachable at ${api} (${verdict.reason}); nothing was registered. Try again when the network is back.` : verdict.message);
      return 1;
    }
    const where = guildId ? `server ${guildId}` : 'every server (global; may take up to an hour to appear)';
    say(r.changed ? `Registered ${r.count} commands for ${where}.` : `The ${r.count} commands for ${where} were already up to date.`);
    return 0;
  } catch (err) {
    const e = err as Error;
    say(e.name === 'ConfigError' || e.name === 'CommandDefinitionError' ? e.message : `Registering the commands failed: ${e.message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2), process.env, (s) => process.stderr.write(`${s}\n`)).then((code) => {
    process.exitCode = code;
  });
}
