// The gateway's public REST API, as any client sees it: POST /v1/images, POST /v1/chat (SSE),
// POST /v1/segment and POST /v1/describe-all (SSE).
// Every failure becomes an ApiError carrying the API's own {code, message, request_id}.
import { sseEvents } from './sse.js';

/** A failed call: the HTTP status (0 when none came), the API's code and message, and its request id. */
export class ApiError extends Error {
  constructor({ status = 0, code, message, requestId = null, midStream = false }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.midStream = midStream;
  }

  /** From the API's error body {error: {code, message, request_id}}. */
  static fromBody(body, status, fallbackRequestId, midStream = false) {
    const error = body?.error;
    return new ApiError({
      status, code: error?.code ?? 'unknown', message: error?.message ?? JSON.stringify(body),
      requestId: error?.request_id ?? fallbackRequestId, midStream,
    });
  }
}

function headers(apiKey, contentType, accept) {
  const result = { 'Content-Type': contentType, Accept: accept };
  if (apiKey) {
    result['X-API-Key'] = apiKey;
  }
  return result;
}

async function post(path, init) {
  try {
    return await fetch(path, { method: 'POST', ...init });
  } catch (failure) {
    if (failure.name === 'AbortError') {
      throw failure;
    }
    throw new ApiError({ code: 'network', message: `could not reach the gateway (${failure.message})` });
  }
}

// An error response: the API's JSON body when there is one, else whatever text came (a proxy's page).
async function errorOf(response) {
  const requestId = response.headers.get('X-Request-Id');
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body?.error) {
      return ApiError.fromBody(body, response.status, requestId);
    }
  } catch {
    // Not JSON: reported as text below.
  }
  return new ApiError({
    status: response.status, code: `http_${response.status}`,
    message: text.trim().slice(0, 500) || response.statusText || 'no details', requestId,
  });
}

/**
 * Uploads an image file; resolves to {image_id, width, height} (the size after EXIF orientation).
 * It asks for the image's Segment Anything embedding too, so that the first click is quick.
 */
export async function uploadImage(file, { apiKey } = {}) {
  const response = await post('v1/images?prepare_segmentation=true', {
    headers: headers(apiKey, file.type || 'application/octet-stream', 'application/json'), body: file,
  });
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response.json();
}

/**
 * A streamed call to `path` with JSON `body`, once its response has started: {events, incomplete}.
 * `events` yields {event, json} for each event but 'error', which it throws as an ApiError (as it
 * throws a failure before the stream); `incomplete(message)` is the ApiError for a stream that ended
 * too early.
 */
async function openEventStream(path, body, { signal, apiKey }) {
  const response = await post(path, {
    headers: headers(apiKey, 'application/json', 'text/event-stream'),
    body: JSON.stringify({ ...body, stream: true }), signal,
  });
  if (!response.ok) {
    throw await errorOf(response);
  }
  const requestId = response.headers.get('X-Request-Id');
  const type = response.headers.get('Content-Type') ?? '';
  if (!type.startsWith('text/event-stream')) {
    throw new ApiError({ status: response.status, code: 'unexpected_response', message: `expected an event stream, got ${type || 'no content type'}`, requestId });
  }
  return {
    events: parsedEvents(response, requestId),
    incomplete: (message) => new ApiError({ status: response.status, code: 'incomplete_stream', message, requestId, midStream: true }),
  };
}

async function* parsedEvents(response, requestId) {
  for await (const { event, data } of sseEvents(response.body)) {
    let json;
    try {
      json = JSON.parse(data);
    } catch {
      throw new ApiError({ status: response.status, code: 'bad_event', message: `unreadable '${event}' event: ${data.slice(0, 200)}`, requestId, midStream: true });
    }
    if (event === 'error') {
      throw ApiError.fromBody(json, response.status, requestId, true);
    }
    yield { event, json };
  }
}

/**
 * Asks a question and streams the answers: onPiece({index, text, token_ids}) per piece and
 * onDone({index, text, output_ids, finish_reason, usage}) per answer. Resolves when all
 * `answers` are done; rejects with an ApiError (before or during the stream) or an AbortError.
 */
export async function streamChat(body, { answers, signal, apiKey, onPiece, onDone }) {
  const stream = await openEventStream('v1/chat', body, { signal, apiKey });
  let done = 0;
  for await (const { event, json } of stream.events) {
    if (event === 'piece') {
      onPiece(json);
    } else if (event === 'done') {
      done++;
      onDone(json);
    }
  }
  if (done < answers) {
    throw stream.incomplete(`the stream ended after ${done} of ${answers} answers without an error event`);
  }
}

/**
 * Segments everything and streams each mask with its description: onMask({index, count, found, mask,
 * score, area, bbox, text, finish_reason, usage, ...}) as each finishes. Resolves with the number of
 * masks once all `count` came (0 when SAM found none); rejects as streamChat does.
 */
export async function streamDescribeAll(body, { signal, apiKey, onMask }) {
  const stream = await openEventStream('v1/describe-all', body, { signal, apiKey });
  let count = 0;
  let seen = 0;
  for await (const { event, json } of stream.events) {
    if (event === 'mask') {
      count = json.count;
      seen++;
      onMask(json);
    }
  }
  if (seen < count) {
    throw stream.incomplete(`the stream ended after ${seen} of ${count} masks without an error event`);
  }
  return count;
}

/** The masks Segment Anything makes of a prompt {image_id, points, box, multimask}: resolves to {masks: [{mask, score, area, bbox}], best}. */
export async function segment(body, { signal, apiKey }) {
  const response = await post('v1/segment', { headers: headers(apiKey, 'application/json', 'application/json'), body: JSON.stringify(body), signal });
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response.json();
}
