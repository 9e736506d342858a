/** /forget [confirm]: deletes everything Marquee keeps about you, after a confirmation. */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { plural } from './_shared.ts';

export const command = defineCommand({
  name: 'forget',
  description: 'Delete all your ratings and your member record (asks to confirm first)',
  // no default: not given asks, yes deletes, no cancels
  options: [{ name: 'confirm', description: 'yes to delete without asking again, no to cancel', type: 'boolean' }],
  writes: true,
  examples: ['/forget', '/forget confirm:yes'],
  async run(ctx, opts): Promise<Reply> {
    const { service } = ctx;
    // findMember, not ctx.member: asking to be forgotten must not create a member record
    const member = service.findMember(ctx.platform, ctx.userId);
    if (!member) return { text: 'Marquee keeps no data about you: there is nothing to forget.', ephemeral: true };
    if (opts.confirm === false) return { text: 'Cancelled: I deleted nothing, and your ratings stay as they are.', ephemeral: true };
    if (opts.confirm === undefined) {
      const n = service.ratings(member).length;
      return {
        title: 'Forget you?',
        text: `This deletes your ${plural(n, 'rating')} and your member record. It cannot be undone.`,
        actions: [{ kind: 'confirm', id: 'forget:confirm', label: 'Yes, delete all my data', command: '/forget confirm:yes' }],
        footer: 'To keep your data, do nothing (or /forget confirm:no).',
        ephemeral: true,
      };
    }
    const removed = service.forget(member);
    return { text: `Done: I deleted your ${plural(removed, 'rating')} and your member record.`, ephemeral: true };
  },
});
