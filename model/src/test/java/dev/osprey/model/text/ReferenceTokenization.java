package dev.osprey.model.text;

import java.util.stream.IntStream;

/**
 * The reference's {@code tokenizer_image_token} on the raw tokenizer, as an oracle for tests: split the
 * prompt string at {@code "<image>"}, tokenise every chunk with BOS, keep the first chunk's BOS only and
 * put {@value SpecialIds#IMAGE_SENTINEL} between chunks.
 */
final class ReferenceTokenization {

    private ReferenceTokenization() {
    }

    static int[] tokenizerImageToken(OspreyTokenizer tokenizer, String prompt) {
        IntStream.Builder ids = IntStream.builder();
        String[] chunks = prompt.split("<image>", -1);
        for (int i = 0; i < chunks.length; i++) {
            int[] chunk = tokenizer.encode(chunks[i], true);
            if (i > 0) {
                ids.add(SpecialIds.IMAGE_SENTINEL);
            }
            for (int j = i == 0 ? 0 : 1; j < chunk.length; j++) {
                ids.add(chunk[j]);
            }
        }
        return ids.build().toArray();
    }
}
