/**
 * The OpenAI-compatible API: {@code POST /v1/chat/completions} and {@code GET /v1/models}. A thin
 * shell over the native flow ({@link dev.osprey.gateway.flow.RegionAsks}): a completion request
 * becomes the native question (the last user message the prompt, earlier turns its history, the one
 * image its image, top-level {@code regions} and an image's alpha channel its regions), and the
 * native answer events become a {@code chat.completion} or {@code chat.completion.chunk} events.
 * Errors take OpenAI's shape ({@link dev.osprey.gateway.openai.OpenAiErrors}); see docs/openai.md.
 */
package dev.osprey.gateway.openai;
