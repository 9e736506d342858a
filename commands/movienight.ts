/** /movienight <members…> [n]: movies for a group, from everyone's taste; shows only aggregates. */
import { defineCommand } from '../src/bot/command.ts';
import { MAX_LIST_LENGTH as MAX_LIST } from '../src/bot/service-api.ts';
import type { Member } from '../src/store/api.ts';
import type { Reply } from '../src/bot/reply.ts';
import { errorReply } from '../src/bot/reply.ts';

export const command = defineCommand({
  name: 'movienight',
  description: 'Movies for you and the members you mention, picked from everyone’s taste',
  options: [
    { name: 'members', description: 'the members joining you', type: 'members', required: true, min: 1, max: 10 },
    { name: 'n', description: 'how many movies', type: 'integer', min: 1, max: 25, default: 5 },
  ],
  examples: ['/movienight @ann @bob', '/movienight members:"@ann @bob" n:10'],
  async run(ctx, opts): Promise<Reply> {
    const { service } = ctx;
    const group: Member[] = [ctx.member];
    const unknown: string[] = [];
    for (const ref of opts.members) {
      if (ref.userId === ctx.userId) continue; // you are always in your own movie night
      const m = service.findMember(ref.platform, ref.userId);
      if (m) group.push(m);
      else unknown.push(ref.mention);
    }
    if (unknown.length > 0) {
      return errorReply(
        `I don't know ${unknown.join(', ')} yet. Everyone in a movie night needs to have rated a few movies with /rate first.`,
      );
    }
    if (group.length < 2) return errorReply('Mention at least one other member to plan a movie night with.');
    // the asker's 👎 movies stay out of the list (theirs only: another member's reactions are private)
    const hidden = new Set(service.hidden(ctx.member).map((m) => m.movieId));
    const picks = service
      .movieNight(group, Math.min(MAX_LIST, opts.n + hidden.size))
      .filter((r) => !hidden.has(r.movie.movieId))
      .slice(0, opts.n);
    if (picks.length === 0) return { text: 'I found nothing that none of you has seen. Try a smaller group.', ephemeral: true };
    // the list is the asker's: only they can react to it
    const listId = service.recordList(ctx.member, 'movienight', 'movienight', picks.map((r) => r.movie.movieId));
    return {
      title: `Movie night for ${group.length}`,
      text: 'Picked for the group as a whole; nobody’s individual ratings are shown.',
      items: picks.map((r) => ({ label: service.label(r.movie), why: r.reason, movieId: r.movie.movieId })),
      feedback: listId ? { listId } : undefined,
    };
  },
});
