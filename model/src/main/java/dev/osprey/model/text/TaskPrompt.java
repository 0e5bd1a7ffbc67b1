package dev.osprey.model.text;

import dev.osprey.model.error.OspreyException;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference's fixed questions about one region (spec §4.5, golden {@code prompts.json}), each the
 * whole user message with the image slot and one region slot. Short and detailed are the demo's
 * (a double newline after the image, as the demo writes it); category is the LVIS/PACO evaluation's.
 */
public enum TaskPrompt {

    /** "Please give me a short description of &lt;mask&gt;&lt;pos&gt;. Using a short phrase." */
    SHORT("\n\nThis provides an overview of the picture.\nPlease give me a short description of ",
            ". Using a short phrase."),
    /** "Can you give me a detailed description of &lt;mask&gt;&lt;pos&gt;?" */
    DETAILED("\n\nThis provides an overview of the picture.\nCan you give me a detailed description of ", "?"),
    /** "What is the category of &lt;mask&gt;&lt;pos&gt;? Using only one word or phrase." */
    CATEGORY("\nThis provides an overview of the picture.\nWhat is the category of ",
            "? Using only one word or phrase.");

    private final String beforeRegion;
    private final String afterRegion;

    TaskPrompt(String beforeRegion, String afterRegion) {
        this.beforeRegion = beforeRegion;
        this.afterRegion = afterRegion;
    }

    /** The user message asking this about region {@code region} (0-based mask index). */
    public List<PromptPart> message(int region) {
        return List.of(new PromptPart.Image(), new PromptPart.Text(beforeRegion), new PromptPart.Region(region),
                new PromptPart.Text(afterRegion));
    }

    /**
     * Osprey's training-style question about several regions (golden task {@code multi_region}):
     * {@code "<image>\nThis provides an overview of the picture.\nTher are Q part regions in the
     * picture: region1<mask><pos>,…,regionQ<mask><pos>. " + question} ("Ther" sic), slot k holding
     * mask k. The question is text: it refers to the regions as "region1", never with slots.
     */
    public static List<PromptPart> multiRegion(int regionCount, String question) {
        if (regionCount < 1) {
            throw OspreyException.badInput("a multi-region question needs at least one mask, got " + regionCount);
        }
        List<PromptPart> parts = new ArrayList<>();
        parts.add(new PromptPart.Image());
        parts.add(new PromptPart.Text("\nThis provides an overview of the picture.\nTher are " + regionCount
                + " part regions in the picture: region1"));
        for (int region = 0; region < regionCount; region++) {
            if (region > 0) {
                parts.add(new PromptPart.Text(",region" + (region + 1)));
            }
            parts.add(new PromptPart.Region(region));
        }
        parts.add(new PromptPart.Text(". " + question));
        return List.copyOf(parts);
    }
}
