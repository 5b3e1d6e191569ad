// A minimal EventSource for Node (which has none in version 20), with the browser behaviour the
// client relies on: readyState, named events as MessageEvents with lastEventId, `error` as a plain
// Event with readyState CLOSED for a status other than 200 (a 204 included) and CONNECTING for a
// dropped connection. It never reconnects by itself: the client under test closes it and reopens.
import http from 'node:http';
import { SseParser } from '../../main/resources/web/rewind-client.js';

export class NodeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static opened = [];

  constructor(url) {
    this.url = url;
    this.readyState = NodeEventSource.CONNECTING;
    this.listeners = new Map();
    this.onopen = null;
    NodeEventSource.opened.push(url);
    this.request = http.get(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
      if (this.readyState === NodeEventSource.CLOSED) { res.destroy(); return; }
      if (res.statusCode !== 200) {
        res.resume();
        this.fail(NodeEventSource.CLOSED);
        return;
      }
      this.readyState = NodeEventSource.OPEN;
      this.onopen?.({ type: 'open' });
      const parser = new SseParser({
        onEvent: ({ type, id, data }) => this.dispatch(type, { type, data, lastEventId: id ?? '' }),
      });
      res.setEncoding('utf8');
      res.on('data', (text) => { if (this.readyState === NodeEventSource.OPEN) parser.feed(text); });
      res.on('end', () => this.fail(NodeEventSource.CONNECTING));
      res.on('error', () => this.fail(NodeEventSource.CONNECTING));
    });
    this.request.on('error', () => this.fail(NodeEventSource.CONNECTING));
  }

  addEventListener(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(listener);
  }

  dispatch(type, event) {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  fail(readyState) {
    if (this.readyState === NodeEventSource.CLOSED) return;
    this.readyState = readyState;
    this.dispatch('error', { type: 'error' });
  }

  close() {
    this.readyState = NodeEventSource.CLOSED;
    this.request.destroy();
  }
}
