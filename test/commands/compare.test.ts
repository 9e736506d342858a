import { describe, expect, it } from 'vitest';
import { harness, replyText } from './harness.ts';

describe('/compare', () => {
  it('shows a member’s top-5 per algorithm side by side, with what they agree on', async () => {
    const { ask, service } = await harness();
    for (const line of ['/rate Alien 5', '/rate Toy Story 4', '/rate Fight Club 2']) await ask(line);
    const r = await ask('/compare ease,svd,content');
    expect(service.compareAsked).toEqual([{ algos: ['ease', 'svd', 'content'], datasetUser: undefined }]);
    expect(r.title).toBe('Your top-5 from 3 algorithms');
    expect(r.ephemeral).toBe(true);
    const fields = r.fields ?? [];
    expect(fields.map((f) => f.name)).toEqual([
      'ease — HR@10 not evaluated yet',
      'svd — HR@10 not evaluated yet',
      'content — HR@10 not evaluated yet',
      'Agreed on',
    ]);
    expect(fields[0].value.split('\n')).toHaveLength(5);
    expect(fields[0].value).toMatch(/^1\. The Matrix \(1999\)\n2\. /);
    // the fake shifts each next list by one film: three films are on all three lists, most shared first
    expect(fields[3].value.split('\n')[0]).toBe('Star Wars: Episode IV - A New Hope (1977): ease, svd, content');
    expect(fields[3].value).toMatch(/\nThe Matrix Reloaded \(2003\): ease, svd\n/);
    expect(r.footer).toBe('HR@10: not evaluated yet; an admin can run /evaluate.');
  });

  it('quotes each algorithm’s HR@10 from the last top-N evaluation', async () => {
    const { ask } = await harness({ fake: { hitRates: { ease: { mean: 0.2574, lo: 0.2227, hi: 0.2921 } } } });
    for (const line of ['/rate Alien 5', '/rate Toy Story 4', '/rate Fight Club 2']) await ask(line);
    const r = await ask('/compare ease,content');
    expect(r.fields?.[0].name).toBe('ease — HR@10 0.257 (0.223–0.292)');
    expect(r.fields?.[1].name).toBe('content — HR@10 not evaluated yet');
    expect(r.footer).toMatch(/^HR@10 \(95% interval\): held-out movies found in the top 10, from the last \/evaluate top-N run/);
  });

  it('tells a new member that personal lists start at the threshold, and shows the chart once', async () => {
    const { ask } = await harness();
    await ask('/rate Alien 5');
    const r = await ask('/compare');
    expect(r.text).toMatch(/^Personal lists start at 3 ratings; you have 1\. Until then/);
    const values = (r.fields ?? []).map((f) => f.value);
    expect(values[0]).toMatch(/^1\. /);
    expect(values.slice(1, 5)).toEqual(Array(4).fill('the same popular picks as above'));
    // one list answered by the chart five times is one opinion, not an agreement
    expect(values[5]).toBe('No movie is on two lists.');
  });

  it('lets an admin compare a dataset user, and refuses a member', async () => {
    const { ask, service } = await harness();
    const admin = await ask('/compare user:5');
    expect(admin.title).toBe('Dataset user 5’s top-5 from 5 algorithms');
    expect(admin.text).toBe('From their 20 ratings in the dataset.');
    const member = await ask('/compare user:5', 'U1', 'slack');
    expect(member.text).toBe('Only admins can compare a dataset user’s lists. Use /compare on its own for yours.');
    expect(member.ephemeral).toBe(true);
    expect(member.fields).toBeUndefined();
    // the refusal never reached the service
    expect(service.compareAsked.map((a) => a.datasetUser)).toEqual(['5']);
    expect(replyText(await ask('/compare user:77'))).toMatch(/no dataset user "77"/);
  });

  it('keeps every field within Discord’s limits', async () => {
    const { ask } = await harness();
    for (const line of ['/rate Alien 5', '/rate Toy Story 4', '/rate Fight Club 2']) await ask(line);
    const r = await ask('/compare');
    const fields = r.fields ?? [];
    expect(fields.length).toBeLessThanOrEqual(25);
    for (const f of fields) {
      expect(f.name.length).toBeLessThanOrEqual(256);
      expect(f.value.length).toBeLessThanOrEqual(1024);
    }
    expect(replyText(r).length).toBeLessThan(6000);
  });
});
