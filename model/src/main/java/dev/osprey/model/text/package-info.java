/**
 * The text side of Osprey (spec §4.2–§4.6): the tokenizer ({@link dev.osprey.model.text.OspreyTokenizer},
 * incremental decoding with {@link dev.osprey.model.text.StreamingDetokenizer}), the {@code osprey_v1}
 * conversation template ({@link dev.osprey.model.text.ConversationTemplate}), the reference's task
 * questions ({@link dev.osprey.model.text.TaskPrompt}) and free questions with {@code <regionN>}
 * references ({@link dev.osprey.model.text.FreePrompt}), the injection-proof encoding of a prompt into
 * the reference's ids ({@link dev.osprey.model.text.PromptEncoder} → {@link dev.osprey.model.text.PromptIds}),
 * and the reference's answer clean-up ({@link dev.osprey.model.text.AnswerPostProcessor}).
 *
 * <p>Only templates insert special ids; text from a user is always encoded as text.
 */
package dev.osprey.model.text;
