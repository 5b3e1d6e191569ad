// Reads Rewind sessions as Durable Streams with the protocol's own client (@durable-streams/client)
// and TanStack AI's Durable Streams connection (@durable-streams/tanstack-ai-transport),
// cutting each read after a random number of batches and resuming from the last offset it got: the
// events must come out exactly once each, in order, until the stream says it is closed.
// Run by SessionStreamNodeTest, which seeds the sessions: EDGE_URL, SESSIONS (JSON: id, token, count
// of events, live: written while read, open: never finished), SIGNAL_DIR (where "reading-<id>" tells it a live session's reader has begun).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stream } from '@durable-streams/client';
import { durableStreamConnection } from '@durable-streams/tanstack-ai-transport';

const edge = process.env.EDGE_URL;
const sessions = JSON.parse(process.env.SESSIONS);
const signals = process.env.SIGNAL_DIR;

function streamUrl(session) {
  return `${edge}/v1/sessions/${session.id}/stream`;
}

// One read after another from the last offset until one says the stream is closed: a catch-up read
// (live: false) is one request; a live one is cut after 1 to 3 batches. onFirst runs once data came.
async function readWithCuts(session, live, onFirst = () => {}) {
  const seen = [];
  let offset = '-1';
  for (let connection = 0; connection < 500; connection++) {
    const res = await stream({
      url: streamUrl(session), headers: { Authorization: `Bearer ${session.token}` }, offset, live, json: true,
    });
    let closed;
    if (live === false) {
      seen.push(...(await res.json()));
      offset = res.offset;
      closed = res.streamClosed;
    } else {
      closed = await cutAfterSomeBatches(res, (batch) => {
        seen.push(...batch.items);
        offset = batch.offset;
      });
    }
    if (seen.length > 0) onFirst();
    if (closed) return seen;
  }
  throw new Error(`session ${session.id} never closed`);
}

// Takes 1 to 3 batches of a live read (or fewer, up to the one that says the stream is closed), then
// cancels it; true when the stream closed.
async function cutAfterSomeBatches(res, take) {
  const cutAfter = 1 + Math.floor(Math.random() * 3);
  const closed = await new Promise((resolve, reject) => {
    let batches = 0;
    let done = false;
    res.subscribeJson((batch) => {
      if (done) return;
      take(batch);
      if (batch.streamClosed || ++batches >= cutAfter) {
        done = true;
        resolve(batch.streamClosed);
      }
    });
    // only a failure: the client may mark the response closed before its last batch reached the subscriber
    res.closed.catch(reject);
  });
  res.cancel();
  return closed;
}

function assertExactly(events, session) {
  assert.deepEqual(events.map((e) => e.seq), Array.from({ length: session.count }, (_, i) => i + 1),
    'every event once, in order');
  assert.equal(events[0].type, 'start');
  assert.equal(events.at(-1).type, 'done');
  for (const event of events.filter((e) => e.type === 'token')) {
    assert.equal(event.text, `t${event.seq - 1} `);
  }
}

for (const live of [false, 'long-poll', 'sse']) {
  test(`a finished session read with random cuts (live: ${live}) is exact`, async () => {
    for (const session of sessions.filter((s) => !s.live && !s.open)) {
      assertExactly(await readWithCuts(session, live), session);
    }
  });
}

test('a live session read with random cuts over SSE and long-poll while it is written is exact', async () => {
  const session = sessions.find((s) => s.live);
  let signalled = false;
  const signal = () => {
    if (!signalled) {
      signalled = true;
      writeFileSync(join(signals, `reading-${session.id}`), 'reading');
    }
  };
  const [overSse, overLongPoll] = await Promise.all([
    readWithCuts(session, 'sse', signal),
    readWithCuts(session, 'long-poll', signal),
  ]);
  assertExactly(overSse, session);
  assertExactly(overLongPoll, session);
});

// An open session (its answer still streaming): the connection's first chunk is the snapshot of the
// messages so far, materialized by the transport from the tanstack stream's chunks.
test("TanStack AI's durable connection reads an open session's tanstack stream into the assistant message so far", async () => {
  const session = sessions.find((s) => s.open);
  const url = `${streamUrl(session)}/tanstack`;
  const connection = durableStreamConnection({
    sendUrl: url, readUrl: url, headers: { Authorization: `Bearer ${session.token}` },
  });
  const reading = new AbortController();
  const timeout = setTimeout(() => reading.abort(), 30000);
  let snapshot;
  for await (const chunk of connection.subscribe(reading.signal)) {
    if (chunk.type === 'MESSAGES_SNAPSHOT') {
      snapshot = chunk;
      break;
    }
  }
  clearTimeout(timeout);
  reading.abort();
  assert.ok(snapshot, 'a snapshot once the read caught up');
  assert.equal(snapshot.messages.length, 1);
  const [message] = snapshot.messages;
  assert.equal(message.role, 'assistant');
  assert.equal(message.id, `msg_${session.id}`);
  const text = message.parts.filter((part) => part.type === 'text').map((part) => part.content).join('');
  assert.equal(text, Array.from({ length: session.count - 1 }, (_, i) => `t${i + 1} `).join(''));
});
