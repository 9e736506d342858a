/**
 * The Discord adapter inside a real discord.js Client, its REST pointed at a fake API on
 * loopback: raw INTERACTION_CREATE payloads go in through
 * the same action the gateway uses, and the fake records what discord.js sends back, so the
 * payloads are checked as discord.js serialises them (JSON, or multipart when files go along).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Events, InteractionResponseType, MessageFlags } from 'discord.js';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCommands } from '../../../commands/index.ts';
import { createDispatcher } from '../../../src/bot/dispatch.ts';
import { createInteractionHandler } from '../../../src/bot/adapters/discord.ts';
import { FakeService } from '../fake-service.ts';

interface Recorded {
  method: string;
  path: string;
  /** the JSON body, or payload_json of a multipart body */
  json: { type?: number; data?: Record<string, unknown> } & Record<string, unknown>;
  files: Array<{ name: string; text: string }>;
}

let server: Server;
let api: string;
const received: Recorded[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    let json: Recorded['json'] = {};
    const files: Recorded['files'] = [];
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      for (const [key, value] of form.entries()) {
        if (key === 'payload_json') json = JSON.parse(String(value));
        else if (typeof value !== 'string') files.push({ name: value.name, text: await value.text() });
      }
    } else if (raw.length) json = JSON.parse(raw.toString('utf8'));
    received.push({ method: req.method!, path: decodeURIComponent(req.url!.replace(/\?.*$/, '')), json, files });
    if (req.method === 'PATCH' || req.method === 'POST' && req.url!.startsWith('/api/v10/webhooks/')) {
      // edits and follow-ups answer with the message
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(messageData({ id: String(900 + received.length) })));
      return;
    }
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => {
  received.length = 0;
});

const APP = '111111111111111111';
const ANN = { id: '100000000000000001', username: 'ann', discriminator: '0', global_name: 'Ann', avatar: null };
const DM = { id: '300000000000000001', type: 1 };

function messageData(over: Record<string, unknown> = {}) {
  return {
    id: '500000000000000001',
    channel_id: DM.id,
    author: { id: APP, username: 'Marquee', discriminator: '0', global_name: null, avatar: null, bot: true },
    content: '',
    timestamp: '2024-01-01T00:00:00.000Z',
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: 0,
    flags: 0,
    components: [],
    ...over,
  };
}

let seq = 0;
function interaction(type: number, data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  seq++;
  return {
    id: String(700000000000000000n + BigInt(seq)),
    application_id: APP,
    type,
    token: `token-${seq}`,
    version: 1,
    data,
    channel_id: DM.id,
    channel: DM,
    user: ANN,
    locale: 'en-US',
    app_permissions: '0',
    entitlements: [],
    authorizing_integration_owners: {},
    context: 1,
    attachment_size_limit: 10485760,
    ...extra,
  };
}

/** An evaluation that takes a moment, as a real one does: progress arrives while it runs. */
class SlowEvaluation extends FakeService {
  override async evaluate(opts: Parameters<FakeService['evaluate']>[0], onProgress: Parameters<FakeService['evaluate']>[1]) {
    const outcome = await super.evaluate(opts, onProgress);
    await new Promise((done) => setTimeout(done, 150));
    return outcome;
  }
}

async function setup(admins: Array<{ platform: 'discord'; userId: string }> = []) {
  const service = new SlowEvaluation();
  const commands = await loadCommands();
  const dispatcher = createDispatcher({ service, commands, admins });
  const client = new Client({ intents: [], rest: { api } });
  const handle = createInteractionHandler({ dispatcher, service, log: pino({ level: 'silent' }) });
  const done: Array<Promise<void>> = [];
  client.on(Events.InteractionCreate, (i) => void done.push(handle(i)));
  const inject = async (raw: object) => {
    // the gateway's path for INTERACTION_CREATE (internal API; discord.js pinned in package.json)
    (client as unknown as { actions: { InteractionCreate: { handle(d: object): void } } }).actions.InteractionCreate.handle(raw);
    await vi.waitFor(() => expect(done.length).toBeGreaterThan(0));
    await done.shift();
  };
  return { service, client, inject };
}

describe('the Discord adapter in a real discord.js Client (fake API on loopback)', () => {
  it('answers a slash command with a private embed through the interaction callback', async () => {
    const { inject, service, client } = await setup();
    await inject(interaction(2, { id: '1', name: 'rate', type: 1, options: [{ name: 'title', type: 3, value: 'id:2571' }, { name: 'score', type: 10, value: 4.5 }] }));
    expect(received).toHaveLength(1);
    const r = received[0];
    expect(r.method).toBe('POST');
    expect(r.path).toMatch(/^\/api\/v10\/interactions\/\d+\/token-\d+\/callback$/);
    expect(r.json.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(r.json.data).toMatchObject({ flags: MessageFlags.Ephemeral, embeds: [{ description: 'Rated The Matrix (1999): ★★★★½ 4.5.' }] });
    expect(service.writes).toEqual(['rate 1 2571 4.5']);
    await client.destroy();
  });

  it('answers autocomplete with at most 25 choices', async () => {
    const { inject, client } = await setup();
    await inject(interaction(4, { id: '1', name: 'movie', type: 1, options: [{ name: 'title', type: 3, value: 'alien', focused: true }] }));
    expect(received[0].json).toEqual({
      type: InteractionResponseType.ApplicationCommandAutocompleteResult,
      data: { choices: [{ name: 'Alien (1979)', value: 'id:1214' }, { name: 'Alien³ (1992)', value: 'id:1320' }] },
    });
    await client.destroy();
  });

  it('sends an export as a multipart upload with the CSV file', async () => {
    const { inject, service, client } = await setup();
    service.rate(service.member('discord', ANN.id), '1214', 5);
    await inject(interaction(2, { id: '1', name: 'export', type: 1 }));
    const r = received[0];
    expect(r.json.data).toMatchObject({ flags: MessageFlags.Ephemeral, attachments: [{ id: '0' }] });
    expect(r.files).toHaveLength(1);
    expect(r.files[0].name).toMatch(/^marquee-ratings-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(r.files[0].text).toBe('movieId,title,rating,ratedAt\n1214,"Alien",5,1700000001000');
    await client.destroy();
  });

  it('a paging button on a private list updates that message in place', async () => {
    const { inject, service, client } = await setup();
    const ann = service.member('discord', ANN.id);
    for (const id of ['1', '2571', '6365', '260', '1214', '1320', '1411', '3598', '4963', '2959']) service.rate(ann, id, 4);
    service.ratingsOf.get(ann.id)!.push({ movieId: '1', rating: 2, ratedAt: 5 }); // an eleventh entry: a second page
    const message = messageData({ flags: MessageFlags.Ephemeral, interaction_metadata: { id: '1', type: 2, user: ANN, authorizing_integration_owners: {} } });
    await inject(interaction(3, { custom_id: 'mq:r:/ratings page:2', component_type: 2 }, { message }));
    const r = received[0];
    expect(r.json.type).toBe(InteractionResponseType.UpdateMessage);
    expect(r.json.data).toMatchObject({ embeds: [{ title: 'Your ratings (page 2 of 2)' }], content: '' });
    const buttons = (r.json.data as { components: Array<{ components: Array<{ custom_id: string }> }> }).components[0].components;
    expect(buttons.map((b) => b.custom_id)).toEqual(['mq:r:/ratings page:1']);
    await client.destroy();
  });

  it('a long /evaluate: private deferral, progress edits, then the public result as a follow-up with its chart', async () => {
    const { inject, client } = await setup([{ platform: 'discord', userId: ANN.id }]);
    await inject(interaction(2, { id: '1', name: 'evaluate', type: 1, options: [{ name: 'folds', type: 4, value: 2 }] }));
    const steps = received.map((r) => `${r.method} ${r.path.replace(/\d{6,}/g, 'ID').replace(/token-\d+/, 'TOKEN')}`);
    expect(steps[0]).toBe('POST /api/v10/interactions/ID/TOKEN/callback');
    expect(received[0].json).toEqual({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } });
    expect(steps.slice(1)).toEqual([
      'PATCH /api/v10/webhooks/ID/TOKEN/messages/@original',
      'PATCH /api/v10/webhooks/ID/TOKEN/messages/@original',
      'POST /api/v10/webhooks/ID/TOKEN',
    ]);
    expect(received[1].json.content).toMatch(/^⏳ Evaluating the trained algorithms/);
    expect(received[2].json.content).toBe('Done: the answer is posted in the channel.');
    const result = received[3];
    expect(result.json.flags).toBeUndefined();
    expect(result.json).toMatchObject({ embeds: [{ title: 'Evaluation on ml-latest-small: 2-fold cross-validation', image: { url: 'attachment://evaluation.png' } }] });
    expect(result.files.map((f) => f.name)).toEqual(['evaluation.png']);
    await client.destroy();
  });
});
