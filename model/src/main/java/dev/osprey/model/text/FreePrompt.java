package dev.osprey.model.text;

import dev.osprey.model.error.OspreyException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Free questions that refer to the masks as {@code <region1>}, {@code <region2>}, … (DESIGN, the
 * {@code osprey generate --prompt} contract). The first user turn is wrapped as the reference's
 * evaluation scripts wrap questions: {@code "<image>\nThis provides an overview of the picture.\n"}
 * followed by the text; each {@code <regionN>} becomes a {@code <mask><pos>} slot holding mask N.
 *
 * <p>The mapping is explicit: the k-th slot of the whole conversation (earlier questions first) gets
 * the mask named by the k-th reference, so a question may name {@code <region2>} before
 * {@code <region1>} or name a region twice. Earlier questions may use {@code <regionN>} too and refer
 * to the same masks; earlier answers are plain text. Every mask must be named somewhere.
 */
public final class FreePrompt {

    private static final String OVERVIEW = "\nThis provides an overview of the picture.\n";
    // Anything shaped like a reference, so that "<region0>" or "<regionX>" is reported, not sent as text.
    private static final Pattern REFERENCE = Pattern.compile("<region([^<>\\s]*)>");
    private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]{0,8}");

    private FreePrompt() {
    }

    /**
     * An earlier turn of the conversation.
     *
     * @param question what the user asked, with {@code <regionN>} references
     * @param answer   what the assistant answered, plain text
     */
    public record Turn(String question, String answer) {
    }

    /**
     * The whole prompt for {@code question} after {@code history}, for {@code regionCount} masks.
     *
     * @throws OspreyException {@link dev.osprey.model.error.Reason#BAD_INPUT} for a malformed
     *                         reference, a reference to a mask that was not given, or a mask that no
     *                         question refers to
     */
    public static List<PromptPart> conversation(ConversationTemplate template, List<Turn> history, String question,
            int regionCount) {
        List<ConversationTemplate.Exchange> exchanges = new ArrayList<>();
        for (Turn turn : history) {
            exchanges.add(new ConversationTemplate.Exchange(message(turn.question(), exchanges.isEmpty(), regionCount),
                    turn.answer()));
        }
        List<PromptPart> prompt = template.render(exchanges, message(question, exchanges.isEmpty(), regionCount));
        requireEveryRegion(prompt, regionCount);
        return prompt;
    }

    // Adjacent text parts are fine: the encoder joins them into one segment.
    private static List<PromptPart> message(String text, boolean first, int regionCount) {
        List<PromptPart> parts = new ArrayList<>();
        if (first) {
            parts.add(new PromptPart.Image());
            parts.add(new PromptPart.Text(OVERVIEW));
        }
        Matcher reference = REFERENCE.matcher(text);
        int end = 0;
        while (reference.find()) {
            parts.add(new PromptPart.Text(text.substring(end, reference.start())));
            parts.add(new PromptPart.Region(regionIndex(reference.group(), reference.group(1), regionCount)));
            end = reference.end();
        }
        parts.add(new PromptPart.Text(text.substring(end)));
        return parts;
    }

    private static int regionIndex(String reference, String number, int regionCount) {
        if (!NUMBER.matcher(number).matches()) {
            throw OspreyException.badInput(reference + " in the prompt is not a region reference;"
                    + " regions are numbered from 1: <region1>, <region2>, ... in the order of the masks");
        }
        int region = Integer.parseInt(number);
        if (region > regionCount) {
            throw OspreyException.badInput("the prompt refers to " + reference + " but "
                    + (regionCount == 0 ? "no mask was" : "only " + regionCount + (regionCount == 1 ? " mask was" : " masks were"))
                    + " given; give one mask per region, in order");
        }
        return region - 1;
    }

    private static void requireEveryRegion(List<PromptPart> prompt, int regionCount) {
        BitSet named = new BitSet(regionCount);
        for (PromptPart part : prompt) {
            if (part instanceof PromptPart.Region slot) {
                named.set(slot.region());
            }
        }
        int missing = named.nextClearBit(0);
        if (missing < regionCount) {
            throw OspreyException.badInput("mask " + (missing + 1) + " is never referred to; mention <region"
                    + (missing + 1) + "> in the prompt or leave that mask out");
        }
    }
}
