/** /help [command]: every command and how to type options, generated from the definitions. */
import { describeOption, usage, defineCommand, type AnyCommand, type CommandContext } from '../src/bot/command.ts';
import { algorithmLines } from './_algorithms.ts';
import type { Reply } from '../src/bot/reply.ts';
import { errorReply } from '../src/bot/reply.ts';

export const SYNTAX = [
  '• in order: /rate The Matrix 4.5',
  '• by name, in any order: /rate score:4.5 title:"The Matrix" (name=value works too)',
  '• quotes keep words together; quote a title that ends in a number: /because "Ocean\'s 11" 3',
  '• a number that completes a title stays in it: /rate Shrek 2 and /rate Apollo 13 ask for the score; /rate "Shrek" 2 rates Shrek',
  '• a title that is only close (a typo, the first words) is asked about before anything is rated',
  '• a movie by its id: /rate id:2571 4.5 (ids appear in /movie and in lists of choices)',
  '• numbers take a decimal point or comma (4.5, 4,5); yes/no takes yes, no, true, false',
  '• members are mentions: @ann @bob',
].join('\n');

const CONSOLE_TIPS = [
  '• after a list of choices, type a choice\'s number to pick it (once, and only from the latest answer: a newer answer expires older choices)',
  '• at a confirmation (/forget), type yes to confirm or no to cancel',
  '• after a list with ratings offered, type its number and a score to rate it: 2 4.5',
  '• the slash is optional; quit or Ctrl-D leaves',
].join('\n');

export const command = defineCommand({
  name: 'help',
  description: 'List the commands and how to type them',
  options: [
    {
      name: 'command',
      description: 'a command to explain in detail',
      type: 'string',
      maxLength: 33,
      pattern: { re: /^\/?[\w-]{1,32}$/, hint: 'a command name such as rate' },
    },
  ],
  examples: ['/help', '/help rate'],
  async run(ctx, opts): Promise<Reply> {
    const visible = ctx.commands.filter((c) => !c.adminOnly || ctx.isAdmin);
    if (opts.command !== undefined) {
      const name = opts.command.replace(/^\//, '').toLowerCase();
      const def = ctx.commands.find((c) => c.name === name);
      if (!def) return errorReply(`There is no /${name}. Commands: ${visible.map((c) => `/${c.name}`).join(', ')}.`);
      return {
        title: usage(def),
        text: [def.description + (def.adminOnly ? ' (admins only)' : ''), algorithmsHelp(ctx, def)].filter(Boolean).join('\n\n'),
        fields: def.options.map((o) => ({ name: o.required ? o.name : `${o.name} (optional)`, value: describeOption(o) })),
        footer: def.examples?.length ? `Examples: ${def.examples.join('   ')}` : undefined,
        ephemeral: true,
      };
    }
    return {
      title: 'Marquee commands',
      items: visible.map((c) => ({ label: usage(c), detail: c.description + (c.adminOnly ? ' (admins only)' : '') })),
      fields: [
        { name: 'How to type options', value: SYNTAX },
        ...(ctx.platform === 'console' ? [{ name: 'On the console', value: CONSOLE_TIPS }] : []),
      ],
      footer: '/help <command> explains one command in detail.',
      ephemeral: true,
    };
  },
});

/**
 * For a command that takes an algorithm name: every name with what it means, and the default
 * with its reason (the service owns the rule). In the text, not a field: Discord caps a field
 * at 1024 characters and the list is longer.
 */
function algorithmsHelp(ctx: CommandContext, def: AnyCommand): string | undefined {
  const option = def.options.find((o) => o.accepts === 'algorithms');
  if (!option) return undefined;
  const { algo, why } = ctx.service.defaultAlgorithm();
  return [
    `Algorithms for ${option.name} (chat takes the plain names; parameters such as svd:n_factors=10 are for npm run evaluate):`,
    algorithmLines(ctx.service.algorithms()),
    `Default: ${algo}, because ${why}.`,
  ].join('\n');
}
