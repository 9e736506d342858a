/**
 * The HTTP front's checks, as a member's request meets them: Slack signs each request with the
 * app's signing secret; a forged, stale or altered one is refused; the body reaches the handlers
 * decoded exactly as Bolt decodes it.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSlackSignature, decodeSlackBody, hasFormField, isSslCheck, SIGNATURE_MAX_AGE_S, slackSignatureOf, urlVerificationChallenge } from '../../../src/bot/adapters/slack-signature.ts';

const SECRET = '0123456789abcdef0123456789abcdef';
const NOW = 1_800_000_000;
const FORM = 'application/x-www-form-urlencoded';
const body = 'command=%2Frate&text=The+Matrix+4.5&user_id=UANN&response_url=https%3A%2F%2Fhooks.slack.com%2Fx';
/** signed independently of the code under test, as Slack's docs describe */
const signed = (b: string, ts: number, secret = SECRET) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${b}`).digest('hex')}`;

describe('checkSlackSignature', () => {
  it('accepts a request Slack signed a moment ago', () => {
    expect(checkSlackSignature(SECRET, body, signed(body, NOW - 2), String(NOW - 2), NOW)).toBe('ok');
    expect(slackSignatureOf(SECRET, String(NOW), body)).toBe(signed(body, NOW));
  });

  it('refuses a request signed with another secret, or with a made-up signature', () => {
    expect(checkSlackSignature(SECRET, body, signed(body, NOW, 'f'.repeat(32)), String(NOW), NOW)).toBe('mismatch');
    expect(checkSlackSignature(SECRET, body, 'v0=deadbeef', String(NOW), NOW)).toBe('mismatch');
    expect(checkSlackSignature(SECRET, body, signed(body, NOW).replace('v0=', 'v1='), String(NOW), NOW)).toBe('mismatch');
  });

  it('refuses a body changed after signing: the rating altered on the way', () => {
    const altered = body.replace('4.5', '0.5');
    expect(checkSlackSignature(SECRET, altered, signed(body, NOW), String(NOW), NOW)).toBe('mismatch');
  });

  it('refuses the timestamp changed after signing (to make an old request look new)', () => {
    expect(checkSlackSignature(SECRET, body, signed(body, NOW - 600), String(NOW), NOW)).toBe('mismatch');
  });

  it('refuses a request more than five minutes old, or dated more than five minutes ahead', () => {
    const old = NOW - SIGNATURE_MAX_AGE_S - 1;
    expect(checkSlackSignature(SECRET, body, signed(body, old), String(old), NOW)).toBe('stale');
    expect(checkSlackSignature(SECRET, body, signed(body, NOW - SIGNATURE_MAX_AGE_S), String(NOW - SIGNATURE_MAX_AGE_S), NOW)).toBe('ok');
    const ahead = NOW + SIGNATURE_MAX_AGE_S + 1;
    expect(checkSlackSignature(SECRET, body, signed(body, ahead), String(ahead), NOW)).toBe('stale');
  });

  it('refuses a request without the signature headers, or with a timestamp that is not a number', () => {
    expect(checkSlackSignature(SECRET, body, undefined, String(NOW), NOW)).toBe('missing-headers');
    expect(checkSlackSignature(SECRET, body, signed(body, NOW), undefined, NOW)).toBe('missing-headers');
    expect(checkSlackSignature(SECRET, body, signed(body, NOW), 'soon', NOW)).toBe('missing-headers');
  });
});

describe('decodeSlackBody', () => {
  it('a slash command: its form fields', () => {
    expect(decodeSlackBody(body, FORM)).toEqual({ command: '/rate', text: 'The Matrix 4.5', user_id: 'UANN', response_url: 'https://hooks.slack.com/x' });
    expect(decodeSlackBody('text=a%26b', `${FORM}; charset=utf-8`)).toEqual({ text: 'a&b' });
  });

  it('a click: the JSON in the payload field', () => {
    const payload = { type: 'block_actions', user: { id: 'UANN' }, actions: [{ action_id: 'mq:run', value: '/top' }] };
    expect(decodeSlackBody(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM)).toEqual(payload);
  });

  it('an Events API callback: the JSON body', () => {
    expect(decodeSlackBody('{"type":"event_callback","event":{"type":"app_mention"}}', 'application/json')).toEqual({ type: 'event_callback', event: { type: 'app_mention' } });
  });

  it('says what is wrong with a body it cannot read', () => {
    expect(() => decodeSlackBody('payload=%7Bnot+json', FORM)).toThrow(/^Slack request: the payload field is not JSON/);
    expect(() => decodeSlackBody('[1,2]', 'application/json')).toThrow('Slack request: the JSON body is not a JSON object');
  });
});

describe("Slack's handshakes", () => {
  it('ssl_check=1 is a probe, told apart from a command', () => {
    expect(isSslCheck('ssl_check=1&token=x', FORM)).toBe(true);
    expect(isSslCheck(body, FORM)).toBe(false);
    expect(isSslCheck('{"ssl_check":"1"}', 'application/json')).toBe(false);
    // the field, not a value or another field's name that ends the same way
    expect(isSslCheck('text=ssl_check=1&command=%2Frate', FORM)).toBe(false);
    expect(isSslCheck('no_ssl_check=1', FORM)).toBe(false);
    expect(isSslCheck('ssl_check=10', FORM)).toBe(false);
    expect(isSslCheck('token=x&ssl_check=1', FORM)).toBe(true);
  });

  it('a field of a form body is found as a full parse finds it, for any fields Slack could send', () => {
    const name = fc.constantFrom('command', 'text', 'ssl_check', 'user_id', 'xcommand', 'command_x');
    const field = fc.tuple(name, fc.string());
    fc.assert(
      fc.property(fc.array(field, { maxLength: 6 }), fc.constantFrom('command', 'ssl_check', 'text'), (fields, wanted) => {
        const raw = new URLSearchParams(fields).toString();
        const parsed = new URLSearchParams(raw);
        expect(hasFormField(raw, wanted)).toBe(parsed.has(wanted));
        const first = parsed.get(wanted);
        if (first !== null) expect(hasFormField(raw, wanted, new URLSearchParams({ v: first }).toString().slice(2))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("url_verification's challenge is read from the JSON body, and only from a url_verification", () => {
    expect(urlVerificationChallenge('{"type":"url_verification","challenge":"abc123"}', 'application/json')).toBe('abc123');
    expect(urlVerificationChallenge('{"type":"event_callback","challenge":"abc123","x":"url_verification"}', 'application/json')).toBeUndefined();
    expect(urlVerificationChallenge('text=url_verification', FORM)).toBeUndefined();
  });
});
