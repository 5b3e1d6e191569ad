// Reads the edge's AI SDK UI message stream with the pinned `ai` package's own transport
// (DefaultChatTransport validates every chunk against its uiMessageChunkSchema) and reader
// (readUIMessageStream builds the UI message the way useChat does). Started by the Java test
// AiSdkChatNodeTest, which runs the edge and answers each prompt as scripted; skipped without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultChatTransport, readUIMessageStream } from 'ai';

const EDGE_URL = process.env.EDGE_URL;
const skip = EDGE_URL ? false : 'needs EDGE_URL, API_KEY and SIGNAL_DIR from AiSdkChatNodeTest';

/** The transport useChat would use, recording each response's headers. */
function transport() {
  const responses = [];
  const chat = new DefaultChatTransport({
    api: `${EDGE_URL}/v1/ai-sdk/chat`,
    headers: { Authorization: `Bearer ${process.env.API_KEY}` },
    body: { model: 'sim-small' },
    fetch: async (url, init) => {
      const response = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(30_000) });
      responses.push(response);
      return response;
    },
  });
  return { chat, responses };
}

function userMessage(text) {
  return [{ id: 'u1', role: 'user', parts: [{ type: 'text', text }] }];
}

/**
 * Waits (at most 10 s) until the chat has nothing to resume: its latest turn ended as far as the
 * edge's session store says, which may be a moment after the stream's last chunk went out.
 */
async function nothingToResume(chat, chatId) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const resumed = await chat.reconnectToStream({ chatId });
    if (resumed === null) return;
    await resumed.cancel();
    assert.ok(Date.now() < deadline, `chat ${chatId} still has a response to resume`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function send(chat, chatId, text) {
  return chat.sendMessages({ chatId, messages: userMessage(text), trigger: 'submit-message', messageId: undefined });
}

/** Every chunk of a stream, and the UI message the ai package builds from them. */
async function read(stream) {
  const [forChunks, forMessage] = stream.tee();
  const chunks = [];
  const collecting = (async () => {
    for await (const chunk of forChunks) chunks.push(chunk);
  })();
  let message;
  for await (const snapshot of readUIMessageStream({ stream: forMessage, terminateOnError: true })) message = snapshot;
  await collecting;
  return { chunks, message };
}

test('a text answer and a tool call become one assistant message', { skip, timeout: 60_000 }, async () => {
  const { chat, responses } = transport();
  const { chunks, message } = await read(await send(chat, 'chat-tool', 'tool'));
  const headers = responses[0].headers;
  assert.equal(headers.get('x-vercel-ai-ui-message-stream'), 'v1');
  assert.equal(headers.get('content-type'), 'text/event-stream');
  const sessionId = headers.get('x-rewind-session-id');
  assert.match(sessionId, /^s_/);
  assert.deepEqual(chunks.map((c) => c.type), ['start', 'text-start', 'text-delta', 'text-end',
    'tool-input-start', 'tool-input-delta', 'tool-input-delta', 'tool-input-available', 'finish']);
  assert.equal(chunks.at(-1).finishReason, 'tool-calls');
  assert.equal(message.id, `msg_${sessionId}`);
  assert.equal(message.role, 'assistant');
  assert.deepEqual(message.parts.map((p) => p.type), ['text', 'tool-read_file']);
  assert.equal(message.parts[0].text, 'Let me look.');
  assert.equal(message.parts[0].state, 'done');
  assert.equal(message.parts[1].toolCallId, 'call_1');
  assert.equal(message.parts[1].state, 'input-available');
  assert.deepEqual(message.parts[1].input, { path: 'README.md' });
  // finished: nothing to resume
  await nothingToResume(chat, 'chat-tool');
});

test('reasoning and text are separate parts', { skip, timeout: 60_000 }, async () => {
  const { chat } = transport();
  const { chunks, message } = await read(await send(chat, 'chat-thinking', 'thinking'));
  assert.deepEqual(chunks.map((c) => c.type), ['start', 'reasoning-start', 'reasoning-delta', 'reasoning-end',
    'text-start', 'text-delta', 'text-end', 'finish']);
  assert.deepEqual(message.parts.map((p) => [p.type, p.text]), [['reasoning', 'Let me think.'], ['text', '42']]);
});

test('resume replays the active response from its start, then 204 once it finished', { skip, timeout: 60_000 }, async () => {
  const { chat } = transport();
  const first = (await send(chat, 'chat-hold', 'hold')).getReader();
  const seen = [];
  while (!seen.some((c) => c.type === 'text-delta' && c.delta === 'lo')) {
    const { value, done } = await first.read();
    assert.equal(done, false, 'the answer ended before it was held');
    seen.push(value);
  }
  await first.cancel(); // the page reloads mid-answer
  const resumed = await chat.reconnectToStream({ chatId: 'chat-hold' });
  assert.notEqual(resumed, null);
  let message;
  let released = false;
  for await (const snapshot of readUIMessageStream({ stream: resumed, terminateOnError: true })) {
    message = snapshot;
    if (!released && snapshot.parts[0]?.text === 'Hello') {
      // the replay caught up with what was written before the page left: let the answer finish
      writeFileSync(join(process.env.SIGNAL_DIR, 'release'), '');
      released = true;
    }
  }
  assert.equal(released, true, 'the replay did not start from the beginning of the answer');
  assert.deepEqual(message.parts.map((p) => [p.type, p.text]), [['text', 'Hello again']]);
  await nothingToResume(chat, 'chat-hold');
});

test('an unknown chat has nothing to resume', { skip, timeout: 30_000 }, async () => {
  assert.equal(await transport().chat.reconnectToStream({ chatId: 'never-started' }), null);
});

test('a failed session is an error chunk the reader raises', { skip, timeout: 60_000 }, async () => {
  const { chat } = transport();
  await assert.rejects(read(await send(chat, 'chat-fails', 'fails')), /upstream answered 400: bad model/);
});
