// Runs a plan of calls to the gateway through the official OpenAI JavaScript SDK and records what the
// SDK gave back; OpenAiSdkIT writes the plan and checks the record against the native API.
//
//   node run-plan.mjs PLAN.json RESULT.json
//
// PLAN: {"baseURL": "http://127.0.0.1:PORT/v1", "apiKey": "...", "calls": [{"name", "kind", "body"}]}
// kind: "models" (models.list), "model" (models.retrieve(body.id)), "chat" (chat.completions.create(body);
// with "stream": true in body the chunks are iterated as they come). Every call's record is
// {"name", "ok": true, ...} or, when the SDK threw, {"name", "ok": false, "error": {...}}.
import { readFileSync, writeFileSync } from 'node:fs';
import OpenAI from 'openai';
import { VERSION } from 'openai/version';

const [planFile, resultFile] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(planFile, 'utf8'));
// No retries: a 429 or 5xx must reach the test as it came.
const client = new OpenAI({ baseURL: plan.baseURL, apiKey: plan.apiKey, maxRetries: 0, timeout: 120_000 });

async function models() {
  const ids = [];
  for await (const model of client.models.list()) {
    ids.push(model);
  }
  return { models: ids };
}

async function chat(body) {
  if (!body.stream) {
    const completion = await client.chat.completions.create(body);
    return { completion };
  }
  const stream = await client.chat.completions.create(body);
  const chunks = [];
  let text = '';
  for await (const chunk of stream) {
    chunks.push(chunk);
    for (const choice of chunk.choices) {
      text += choice.delta?.content ?? '';
    }
  }
  return { chunks, text };
}

async function run(call) {
  switch (call.kind) {
    case 'models':
      return models();
    case 'model':
      return { model: await client.models.retrieve(call.body.id) };
    case 'chat':
      return chat(call.body);
    default:
      throw new Error(`unknown kind ${call.kind}`);
  }
}

const results = [];
for (const call of plan.calls) {
  try {
    results.push({ name: call.name, ok: true, ...(await run(call)) });
  } catch (e) {
    if (!(e instanceof OpenAI.APIError)) {
      throw e;
    }
    results.push({
      name: call.name,
      ok: false,
      error: {
        class: e.constructor.name, status: e.status ?? null, message: e.message, type: e.type ?? null,
        code: e.code ?? null, param: e.param ?? null, requestID: e.requestID ?? null,
      },
    });
  }
}
writeFileSync(resultFile, JSON.stringify({ sdk: VERSION, results }, null, 2));
console.log(`ran ${results.length} calls through openai ${VERSION}`);
