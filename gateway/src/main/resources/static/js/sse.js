// Server-Sent Events read from a fetch() body (EventSource cannot POST). Follows the HTML
// standard's event stream rules: lines end in \n, \r\n or \r; "field:value" with one optional space
// after the colon; data lines join with \n; a blank line dispatches; a final event without its blank
// line is dropped.

/** Parses event-stream text given in pieces of any size. */
export class SseParser {
  #buffer = '';
  #event = '';
  #data = [];

  /** The events completed by `text`. */
  push(text) {
    this.#buffer += text;
    const events = [];
    const terminator = /\r\n|\r|\n/g;
    let start = 0;
    let match;
    while ((match = terminator.exec(this.#buffer)) !== null) {
      // A \r at the very end may be the first half of \r\n: wait for the next piece.
      if (match[0] === '\r' && match.index === this.#buffer.length - 1) {
        break;
      }
      this.#line(this.#buffer.slice(start, match.index), events);
      start = terminator.lastIndex;
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  /** The events completed by the end of the stream. */
  end() {
    const events = [];
    if (this.#buffer.endsWith('\r')) {
      this.#line(this.#buffer.slice(0, -1), events);
    }
    this.#buffer = '';
    return events;
  }

  #line(line, events) {
    if (line === '') {
      if (this.#data.length > 0) {
        events.push({ event: this.#event || 'message', data: this.#data.join('\n') });
      }
      this.#event = '';
      this.#data = [];
      return;
    }
    if (line.startsWith(':')) {
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.#event = value;
    } else if (field === 'data') {
      this.#data.push(value);
    }
  }
}

/** Yields {event, data} from a byte stream; UTF-8 characters split across chunks are joined first. */
export async function* sseEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
    finished = true;
  } finally {
    if (!finished) {
      // The caller stopped early (stop button, an error event): drop the connection.
      reader.cancel().catch(() => {});
    }
  }
}
