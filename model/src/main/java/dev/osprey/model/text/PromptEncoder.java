package dev.osprey.model.text;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Turns prompt parts into ids so that user text can never produce a special id, while a prompt
 * without such literal strings gets exactly the reference's ids.
 *
 * <p>The reference tokenises the whole prompt string (split at {@code <image>}, each chunk with
 * BOS, the BOS of later chunks dropped), so text typed as {@code <mask>} or {@code </s>} becomes a
 * special id. Here the prompt is split only at the slots the template inserts (image, region,
 * end of turn): adjacent text parts are joined into one segment (encoding them apart would change
 * ids) and every segment is encoded with the tokenizer's text-only half, which gives each segment a
 * leading "▁" just as the reference's tokenizer does for the text between two special tokens.
 *
 * <pre>{@code
 * PromptEncoder encoder = new PromptEncoder(tokenizer);
 * PromptIds shortQuestion = encoder.task(TaskPrompt.SHORT, 0);
 * PromptIds free = encoder.free(List.of(), "How does <region2> relate to <region1>?", 2); // slotRegions [1, 0]
 * }</pre>
 */
public final class PromptEncoder {

    private final OspreyTokenizer tokenizer;
    private final ConversationTemplate template;

    /** An encoder for the {@link ConversationTemplate#OSPREY_V1} template. */
    public PromptEncoder(OspreyTokenizer tokenizer) {
        this(tokenizer, ConversationTemplate.OSPREY_V1);
    }

    /** An encoder for another template. */
    public PromptEncoder(OspreyTokenizer tokenizer, ConversationTemplate template) {
        this.tokenizer = tokenizer;
        this.template = template;
    }

    /** A fixed task about one region (0-based mask index), as a one-turn conversation. */
    public PromptIds task(TaskPrompt task, int region) {
        return encode(template.render(task.message(region)));
    }

    /** A free question with {@code <regionN>} references after {@code history}; see {@link FreePrompt}. */
    public PromptIds free(List<FreePrompt.Turn> history, String question, int regionCount) {
        return encode(FreePrompt.conversation(template, history, question, regionCount));
    }

    /** Encodes a rendered prompt ({@link ConversationTemplate#render}): BOS, then each part. */
    public PromptIds encode(List<PromptPart> prompt) {
        SpecialIds special = tokenizer.specialIds();
        IntStream.Builder ids = IntStream.builder();
        IntStream.Builder slotRegions = IntStream.builder();
        StringBuilder segment = new StringBuilder();
        ids.add(special.bos());
        for (PromptPart part : prompt) {
            switch (part) {
                case PromptPart.Text text -> segment.append(text.text());
                case PromptPart.Image image -> {
                    appendSegment(segment, ids);
                    ids.add(SpecialIds.IMAGE_SENTINEL);
                }
                case PromptPart.Region region -> {
                    appendSegment(segment, ids);
                    ids.add(special.mask()).add(special.pos());
                    slotRegions.add(region.region());
                }
                case PromptPart.EndOfTurn end -> {
                    appendSegment(segment, ids);
                    ids.add(special.eos());
                }
            }
        }
        appendSegment(segment, ids);
        return new PromptIds(ids.build().toArray(), slotRegions.build().toArray(), PromptPart.toPromptString(prompt));
    }

    private void appendSegment(StringBuilder segment, IntStream.Builder ids) {
        if (!segment.isEmpty()) {
            for (int id : tokenizer.encodeText(segment.toString())) {
                ids.add(id);
            }
            segment.setLength(0);
        }
    }
}
