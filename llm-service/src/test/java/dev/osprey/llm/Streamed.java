package dev.osprey.llm;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.Finished;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a Generate stream delivered, per answer_index: the pieces' text and ids, and the Finished event. */
final class Streamed {

    final Map<Integer, StringBuilder> text = new TreeMap<>();
    final Map<Integer, List<Integer>> pieceIds = new TreeMap<>();
    final Map<Integer, Finished> finished = new TreeMap<>();

    static Streamed collect(Iterator<AnswerEvent> events) {
        Streamed streamed = new Streamed();
        events.forEachRemaining(streamed::add);
        return streamed;
    }

    void add(AnswerEvent event) {
        int index = event.getAnswerIndex();
        if (event.hasPiece()) {
            text.computeIfAbsent(index, i -> new StringBuilder()).append(event.getPiece().getText());
            pieceIds.computeIfAbsent(index, i -> new ArrayList<>()).addAll(event.getPiece().getTokenIdsList());
        } else {
            finished.put(index, event.getFinished());
        }
    }

    int[] outputIds(int index) {
        return finished.get(index).getOutputIdsList().stream().mapToInt(Integer::intValue).toArray();
    }
}
