/**
 * Slack's request signing, checked off the main thread by the HTTP front (./slack-front-worker.ts),
 * and the decoding of a request body as Bolt decodes it. Pure functions over strings: no Bolt, so
 * the worker that checks signatures does not load it.
 *
 * The rules are Bolt's (verify-request.ts in @slack/bolt 4/5): `v0=` + HMAC-SHA256 of
 * `v0:${timestamp}:${body}` with the signing secret, compared in constant time, and a timestamp
 * at most five minutes old. One rule is stricter: a timestamp more than five minutes in the
 * FUTURE is refused too (Bolt accepts it), as Slack's guide on verifying requests advises, so a
 * signature cannot be made to last longer than the replay guard remembers it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';

/** Bolt refuses a request whose timestamp is older than this (verify-request.ts: 60 * 5). */
export const SIGNATURE_MAX_AGE_S = 300;

export type SignatureVerdict = 'ok' | 'missing-headers' | 'stale' | 'mismatch';

/** The v0 signature Slack puts in x-slack-signature for this body and timestamp. */
export function slackSignatureOf(signingSecret: string, timestampS: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampS}:${rawBody}`).digest('hex')}`;
}

/** Whether a request is signed with the signing secret, and recent. */
export function checkSlackSignature(
  signingSecret: string,
  rawBody: string,
  signature: string | undefined,
  timestamp: string | undefined,
  nowS: number = Math.floor(Date.now() / 1000),
): SignatureVerdict {
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return 'missing-headers';
  if (Math.abs(nowS - Number(timestamp)) > SIGNATURE_MAX_AGE_S) return 'stale';
  const expected = Buffer.from(slackSignatureOf(signingSecret, timestamp, rawBody));
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; a length differs for every forged signature alike
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'mismatch';
}

const FORM = 'application/x-www-form-urlencoded';
const isForm = (contentType: string | undefined) => contentType?.split(';')[0].trim().toLowerCase() === FORM;

/**
 * Whether a form-encoded body has the field `name` (spelled plainly, as Slack spells its fields),
 * with the raw value `value` when one is given. The front asks this of every request in a burst,
 * and parsing the whole body for one field was ~8 % of its CPU (isSslCheck and busyAck's
 * URLSearchParams, 0.41 of 5.1 busy s in a --cpu-prof of bench/load.ts, load average ~12); a
 * key sent percent-encoded is not found, which at worst acks an odd request without a busy note.
 */
export function hasFormField(rawBody: string, name: string, value?: string): boolean {
  const key = `${name}=`;
  for (let at = rawBody.indexOf(key); at >= 0; at = rawBody.indexOf(key, at + 1)) {
    if (at > 0 && rawBody[at - 1] !== '&') continue;
    if (value === undefined) return true;
    const from = at + key.length;
    const end = rawBody.indexOf('&', from);
    return rawBody.slice(from, end < 0 ? undefined : end) === value;
  }
  return false;
}

/** Slack's `ssl_check=1` probe (form-encoded, unsigned): answered 200 and never run. */
export function isSslCheck(rawBody: string, contentType: string | undefined): boolean {
  return isForm(contentType) && hasFormField(rawBody, 'ssl_check', '1');
}

/**
 * The Events API's url_verification handshake's challenge, when the body is one. Only a body
 * that names the type is parsed, so the common case (a slash command) costs a substring search.
 */
export function urlVerificationChallenge(rawBody: string, contentType: string | undefined): string | undefined {
  if (isForm(contentType) || !rawBody.includes('url_verification')) return undefined;
  try {
    const body = JSON.parse(rawBody) as { type?: unknown; challenge?: unknown };
    return body.type === 'url_verification' && typeof body.challenge === 'string' ? body.challenge : undefined;
  } catch {
    return undefined;
  }
}

/** A request body as Bolt's HTTPReceiver reads it (parseHTTPRequestBody). */
export type SlackBody = Record<string, unknown>;

/**
 * Decodes a body as Bolt does: form fields for a slash command, the JSON in `payload=` for an
 * interaction (a click, a menu), JSON for the Events API. Throws an error naming what is wrong.
 */
export function decodeSlackBody(rawBody: string, contentType: string | undefined): SlackBody {
  if (isForm(contentType)) {
    const fields = parseQuery(rawBody);
    if (typeof fields.payload !== 'string') return { ...fields };
    return jsonObject(fields.payload, 'the payload field');
  }
  return jsonObject(rawBody, 'the JSON body');
}

function jsonObject(text: string, what: string): SlackBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`Slack request: ${what} is not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`Slack request: ${what} is not a JSON object`);
  return value as SlackBody;
}
