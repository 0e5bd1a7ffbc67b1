package dev.osprey.llm;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.FinishReason;
import dev.osprey.api.v1.Finished;
import dev.osprey.api.v1.StageTimings;
import dev.osprey.api.v1.TextPiece;
import dev.osprey.model.generate.TokenListener;
import dev.osprey.model.generate.Usage;
import dev.osprey.model.pipeline.Answer;
import java.util.Arrays;

/** The events of a streamed answer; {@code answer_index} is a task's region index (0-based), 0 for a prompt. */
final class AnswerEvents {

    private AnswerEvents() {
    }

    /** Text of one answer as it appears, with the id that completed it ({@link TokenListener#NO_TOKEN}: none). */
    static AnswerEvent piece(int answerIndex, String text, int tokenId) {
        TextPiece.Builder piece = TextPiece.newBuilder().setText(text);
        if (tokenId != TokenListener.NO_TOKEN) {
            piece.addTokenIds(tokenId);
        }
        return AnswerEvent.newBuilder().setAnswerIndex(answerIndex).setPiece(piece).build();
    }

    /** The last event of an answer, with the time its stages took here. */
    static AnswerEvent finished(int answerIndex, Answer answer, StageTimings timings) {
        Usage usage = answer.usage();
        Finished.Builder finished = Finished.newBuilder()
                .setReason(reason(answer.finishReason()))
                .setUsage(dev.osprey.api.v1.Usage.newBuilder()
                        .setPromptTokens(usage.promptTokens())
                        .setCompletionTokens(usage.completionTokens())
                        .setTimeToFirstTokenMs(usage.timeToFirstToken().toNanos() / 1e6)
                        .setTotalMs(usage.total().toNanos() / 1e6)
                        .setTimings(timings))
                .setText(answer.text())
                .addAllOutputIds(Arrays.stream(answer.outputIds()).boxed().toList());
        return AnswerEvent.newBuilder().setAnswerIndex(answerIndex).setFinished(finished).build();
    }

    private static FinishReason reason(dev.osprey.model.generate.FinishReason reason) {
        return switch (reason) {
            case STOP -> FinishReason.FINISH_REASON_STOP;
            case LENGTH -> FinishReason.FINISH_REASON_LENGTH;
            case STOP_STRING -> FinishReason.FINISH_REASON_STOP_STRING;
            case CANCELLED -> FinishReason.FINISH_REASON_CANCELLED;
        };
    }
}
