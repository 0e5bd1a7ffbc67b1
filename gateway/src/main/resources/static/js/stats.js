// The speed figures shown under each answer.

/** {ttftMs, tokensPerSecond, tokens} from a done event's usage: decode speed after the first token. */
export function usageStats(usage) {
  const tokens = usage.completion_tokens;
  const decodeMs = usage.total_ms - usage.time_to_first_token_ms;
  const tokensPerSecond = tokens > 1 && decodeMs > 0 ? ((tokens - 1) * 1000) / decodeMs
    : tokens > 0 && usage.total_ms > 0 ? (tokens * 1000) / usage.total_ms : 0;
  return { ttftMs: usage.time_to_first_token_ms, tokensPerSecond, tokens };
}

/** The same figures measured in the page (for an answer still streaming or stopped). */
export function clientStats(sentAt, firstAt, lastAt, tokens) {
  if (firstAt === null) {
    return { ttftMs: null, tokensPerSecond: 0, tokens };
  }
  const decodeMs = lastAt - firstAt;
  return { ttftMs: firstAt - sentAt, tokensPerSecond: tokens > 1 && decodeMs > 0 ? ((tokens - 1) * 1000) / decodeMs : 0, tokens };
}

/** "first token 120 ms · 35.2 tok/s · 24 tokens". */
export function formatStats({ ttftMs, tokensPerSecond, tokens }) {
  const parts = [ttftMs === null ? 'first token —' : `first token ${Math.round(ttftMs)} ms`];
  parts.push(`${tokensPerSecond.toFixed(1)} tok/s`, `${tokens} token${tokens === 1 ? '' : 's'}`);
  return parts.join(' · ');
}
