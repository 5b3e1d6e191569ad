import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, backoffDelay, tokenExpiry } from '../../main/resources/web/rewind-client.js';

function parse(pieces) {
  const out = [];
  const parser = new SseParser({
    onEvent: (e) => out.push(['event', e.type, e.id, e.data]),
    onRetry: (ms) => out.push(['retry', ms]),
    onComment: (c) => out.push(['comment', c]),
  });
  for (const piece of pieces) parser.feed(piece);
  return out;
}

const STREAM = 'retry: 2500\n\n: ping\r\nid: 0-1-1\r\nevent: start\r\ndata: {"seq":1}\r\n\r\n'
  + 'id: 0-2-2\revent: token\rdata: {"seq":2,"text":"日本 🙂"}\r\r'
  + 'data: line one\ndata:line two\n\n'
  + 'id: 0-3-3\n\n'
  + 'event: token\ndata\n\n'
  + 'retry: soon\nfield-without-colon\ndata: after\n\n';

test('parses the stream the same whatever the pieces it arrives in', () => {
  const whole = parse([STREAM]);
  assert.deepEqual(whole, [
    ['retry', 2500],
    ['comment', 'ping'],
    ['event', 'start', '0-1-1', '{"seq":1}'],
    ['event', 'token', '0-2-2', '{"seq":2,"text":"日本 🙂"}'],
    ['event', 'message', '0-2-2', 'line one\nline two'],
    ['event', 'token', '0-3-3', ''],
    ['event', 'message', '0-3-3', 'after'],
  ]);
  for (let i = 0; i <= STREAM.length; i++) {
    assert.deepEqual(parse([STREAM.slice(0, i), STREAM.slice(i)]), whole, `split at ${i}`);
  }
  assert.deepEqual(parse([...STREAM]), whole, 'one character at a time');
});

test('an event without its closing blank line is not dispatched', () => {
  assert.deepEqual(parse(['id: 0-1-1\nevent: token\ndata: {"seq":1}\n']), []);
});

test('backoff grows exponentially from the base, stays within [ceiling/2, ceiling] and is capped', () => {
  const low = () => 0;
  const high = () => 0.999999;
  assert.equal(backoffDelay(1, { baseMs: 1000, random: low }), 500);
  assert.equal(backoffDelay(1, { baseMs: 1000, random: high }), 1000);
  assert.equal(backoffDelay(3, { baseMs: 1000, random: low }), 2000);
  assert.equal(backoffDelay(3, { baseMs: 1000, random: high }), 4000);
  assert.equal(backoffDelay(40, { baseMs: 1000, maxMs: 30000, random: high }), 30000);
  assert.equal(backoffDelay(0, { baseMs: 1000, random: high }), 1000, 'attempt 0 counts as the first');
  for (let attempt = 1; attempt <= 12; attempt++) {
    const ceiling = Math.min(30000, 2000 * 2 ** (attempt - 1));
    const seen = new Set();
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(attempt, { baseMs: 2000, maxMs: 30000 });
      assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt}: ${delay} outside [${ceiling / 2}, ${ceiling}]`);
      seen.add(delay);
    }
    assert.ok(seen.size > 20, 'the delays are jittered, not one value');
  }
});

test('reads the expiry of an rt1 token and nothing else', () => {
  const payload = Buffer.from('s_abc|1700000000000|1700000060000').toString('base64url');
  assert.equal(tokenExpiry(`rt1.k1.${payload}.sig`), 1700000060000);
  assert.equal(tokenExpiry('opaque-token'), null);
  assert.equal(tokenExpiry('rt1.k1.@@@.sig'), null);
  assert.equal(tokenExpiry(`rt1.k1.${Buffer.from('a|b').toString('base64url')}.sig`), null);
  assert.equal(tokenExpiry(undefined), null);
});
