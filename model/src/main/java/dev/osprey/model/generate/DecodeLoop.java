package dev.osprey.model.generate;

import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.decode.EmbeddingTable;
import dev.osprey.model.decode.KvCache;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.text.OspreyTokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching: one thread advances every running sequence, of any question about any image,
 * with one decoder run per step over one KV cache of {@code maxBatch} rows (slots).
 *
 * <pre>{@code
 * try (DecodeLoop loop = new DecodeLoop(session, embeddings, tokenizer, 8, 2048);
 *         KvCache cache = session.newCache(prompts, promptLength)) {
 *     long start = System.nanoTime();
 *     float[] logits = session.prefill(cache, embeds, promptLength, request.cancellation());
 *     List<Generation> out = loop.generate(cache,
 *             new Generator.Prefilled(logits, 0, Duration.ofNanos(System.nanoTime() - start)), request);
 * }
 * }</pre>
 *
 * <p>A caller prefills its prompts in a cache of its own (a question's one row, a task's row per region)
 * and hands it to {@link #generate}, which samples each sequence's first id from the prefill's logits
 * on the calling thread (the first token never waits for the batch) and queues the group. At the next
 * step boundary with room for all of the group's sequences, the loop thread copies their rows into free
 * slots, so a task's regions join, and step, together. Groups join in arrival order: one that does not
 * fit yet holds back those behind it, so a task's regions are not starved by single questions.
 *
 * <p>A sequence that ends (end id, stop string, token limit) or is cancelled leaves at the next
 * boundary, at most one step later; the step in progress runs on for the others. The last occupied row
 * moves into the hole, so each step runs over exactly the rows in use ({@link KvCache#firstRows}):
 * on a CPU a row costs real compute. Each sequence samples from its own stream of its request's seed,
 * so its ids do not depend on who else is in the batch. Listeners are called on the loop thread after
 * the first id. The slot cache ({@code maxBatch} × {@code maxLength} positions) is allocated at the
 * first join and kept until {@link #close}. Thread-safe.
 */
public final class DecodeLoop implements AutoCloseable {

    private final DecoderSession session;
    private final EmbeddingTable embeddings;
    private final OspreyTokenizer tokenizer;
    private final int eosId;
    private final int maxBatch;
    private final int maxLength;
    // Ends the step in progress when the loop closes; a sequence's own cancellation never ends a shared step.
    private final Cancellation closing = new Cancellation();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    // Guarded by lock: groups waiting for room, oldest first, and their sequences.
    private final Deque<Group> waiting = new ArrayDeque<>();
    private int waitingSequences;
    private boolean closed;
    // Loop thread only: the sequence in each occupied slot (slot i at index i), the slots' cache and its views.
    private final List<Seat> seats = new ArrayList<>();
    private KvCache slots;
    private final KvCache[] views;
    private volatile int running;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong stepRows = new AtomicLong();
    private final Thread thread;

    /** A loop that ends sequences on the tokenizer's end id. */
    public DecodeLoop(DecoderSession session, EmbeddingTable embeddings, OspreyTokenizer tokenizer, int maxBatch, int maxLength) {
        this(session, embeddings, tokenizer, tokenizer.specialIds().eos(), maxBatch, maxLength);
    }

    /**
     * @param eosId     the id that ends a sequence (another template's, or a test's)
     * @param maxBatch  sequences that step together at most, ≥ 1
     * @param maxLength positions each slot holds: the longest prompt plus its new tokens
     */
    public DecodeLoop(DecoderSession session, EmbeddingTable embeddings, OspreyTokenizer tokenizer, int eosId, int maxBatch,
            int maxLength) {
        if (maxBatch < 1 || maxLength < 1 || maxLength > session.config().maxPositions()) {
            throw OspreyException.badInput("a decode loop needs max batch >= 1 and 1 <= max length <= " + session.config().maxPositions()
                    + ", got " + maxBatch + " and " + maxLength);
        }
        this.session = session;
        this.embeddings = embeddings;
        this.tokenizer = tokenizer;
        this.eosId = eosId;
        this.maxBatch = maxBatch;
        this.maxLength = maxLength;
        this.views = new KvCache[maxBatch];
        this.thread = Thread.ofPlatform().name("decode-loop").daemon().start(this::run);
    }

    /**
     * Generates for each of the {@code prefilled.batch()} prompts that {@code prefilled} holds (prefilled
     * to one length, as for {@link Generator#generate}) in the shared batch, and returns when all have
     * ended. Once its rows are copied into the batch the loop closes {@code prefilled}, so its memory serves
     * the next prefills while these sequences decode (the caller closing it too is harmless). A sequence
     * ends within one step once the request's cancellation is cancelled.
     *
     * @return one generation per prompt, in order
     * @throws OspreyException BAD_INPUT if the prompts are more than the batch holds, or a prompt and its
     *                         new tokens do not fit a slot; what the decoder throws
     */
    public List<Generation> generate(KvCache prefilled, Generator.Prefilled prefill, GenerationRequest request) {
        int batch = prefilled.batch();
        int n = prefilled.length(0);
        if (batch > maxBatch) {
            throw OspreyException.badInput(batch + " sequences cannot decode together in a batch of at most " + maxBatch);
        }
        for (int b = 1; b < batch; b++) {
            if (prefilled.length(b) != n) {
                throw new IllegalStateException("the prefill left sequence " + b + " at " + prefilled.length(b) + " positions, sequence 0 at " + n);
            }
        }
        if (n == 0 || n + request.maxNewTokens() > maxLength) {
            throw OspreyException.badInput("a prompt of " + n + " positions and " + request.maxNewTokens()
                    + " new tokens does not fit the batch's slots of " + maxLength + " positions");
        }
        // The prefill counts toward time to first token.
        long start = System.nanoTime() - prefill.took().toNanos();
        List<RunningSequence> sequences = RunningSequence.forBatch(batch, request,
                new RunningSequence.Prompt(n, prefill.cachedTokens(), start), tokenizer, eosId);
        int vocab = session.config().vocab();
        for (RunningSequence sequence : sequences) {
            sequence.sample(prefill.logits(), sequence.index() * vocab, vocab);
        }
        Group group = new Group(sequences, prefilled);
        if (group.cancelled()) {
            sequences.forEach(sequence -> sequence.end(FinishReason.CANCELLED));
        } else if (group.seats > 0) {
            enqueue(group);
            try {
                group.done.join();
            } catch (CompletionException e) {
                throw unwrap(e);
            }
        }
        return sequences.stream().map(RunningSequence::result).toList();
    }

    /** Sequences that step together at most. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Sequences in the batch now. */
    public int running() {
        return running;
    }

    /** Sequences prefilled and waiting for room in the batch. */
    public int waiting() {
        lock.lock();
        try {
            return waitingSequences;
        } finally {
            lock.unlock();
        }
    }

    /** Decoder runs of the batch so far (one per step). */
    public long steps() {
        return steps.get();
    }

    /** Sequences stepped, summed over the steps: {@code stepRows() / steps()} is the mean batch. */
    public long stepRows() {
        return stepRows.get();
    }

    private void enqueue(Group group) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the decode loop is closed");
            }
            waiting.addLast(group);
            waitingSequences += group.seats;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        Throwable failure = null;
        try {
            while (boundary()) {
                step();
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            shutDown(failure);
        }
    }

    /**
     * A step boundary: cancelled sequences leave, and the waiting groups that fit join. Waits while
     * there is nothing to step; false once the loop is closed.
     */
    private boolean boundary() {
        for (Seat seat : seats) {
            if (seat.group.cancelled()) {
                seat.end(FinishReason.CANCELLED);
            }
        }
        leave();
        List<Group> joining = new ArrayList<>();
        List<Group> cancelled = new ArrayList<>();
        lock.lock();
        try {
            while (seats.isEmpty() && waiting.isEmpty() && !closed) {
                arrived.awaitUninterruptibly();
            }
            if (closed) {
                return false;
            }
            waiting.removeIf(group -> group.cancelled() && cancelled.add(group));
            int free = maxBatch - seats.size();
            while (!waiting.isEmpty() && waiting.peekFirst().seats <= free) {
                Group group = waiting.removeFirst();
                free -= group.seats;
                joining.add(group);
            }
            waitingSequences -= joining.stream().mapToInt(g -> g.seats).sum() + cancelled.stream().mapToInt(g -> g.seats).sum();
        } finally {
            lock.unlock();
        }
        cancelled.forEach(group -> group.end(FinishReason.CANCELLED));
        joining.forEach(this::join);
        running = seats.size();
        return true;
    }

    // The group's unfinished sequences take the next free slots: their prefilled rows are copied in.
    private void join(Group group) {
        int first = seats.size();
        try {
            if (slots == null) {
                slots = session.newCache(maxBatch, maxLength);
            }
            for (RunningSequence sequence : group.sequences) {
                if (!sequence.ended()) {
                    slots.copyRow(group.prefilled, sequence.index(), seats.size());
                    seats.add(new Seat(group, sequence));
                }
            }
        } catch (RuntimeException e) {
            seats.subList(first, seats.size()).clear();
            group.done.completeExceptionally(e);
        } finally {
            // Its memory goes back to the session's pool for the next prefills.
            group.prefilled.close();
        }
    }

    // One decoder run for every sequence in the batch, then each samples its next id.
    private void step() {
        int rows = seats.size();
        if (rows == 0) {
            return;
        }
        int hidden = embeddings.hidden();
        float[] next = new float[rows * hidden];
        for (int s = 0; s < rows; s++) {
            embeddings.copyRow(seats.get(s).sequence.lastId(), next, s * hidden);
        }
        float[] logits;
        try {
            logits = session.step(view(rows), next, closing);
        } catch (OspreyException e) {
            if (!closing.cancelled()) {
                seats.forEach(seat -> seat.group.done.completeExceptionally(e));
                leave();
            }
            return;
        }
        steps.incrementAndGet();
        stepRows.addAndGet(rows);
        int vocab = session.config().vocab();
        for (int s = 0; s < rows; s++) {
            Seat seat = seats.get(s);
            try {
                seat.sequence.sample(logits, s * vocab, vocab);
            } catch (RuntimeException e) {
                // A listener that fails ends its own group, never the others.
                seat.group.done.completeExceptionally(e);
            }
        }
        leave();
    }

    private KvCache view(int rows) {
        if (views[rows - 1] == null) {
            views[rows - 1] = slots.firstRows(rows);
        }
        return views[rows - 1];
    }

    /**
     * Sequences that ended (or whose group failed) leave their slots; the last occupied row moves into
     * each hole, so the batch keeps rows [0, running). A group whose sequences have all ended is done.
     */
    private void leave() {
        List<Group> left = new ArrayList<>();
        int s = 0;
        while (s < seats.size()) {
            Seat gone = seats.get(s);
            if (!gone.leaving()) {
                s++;
                continue;
            }
            Seat last = seats.removeLast();
            if (last != gone) {
                if (last.leaving()) {
                    left.add(last.group);
                    continue;
                }
                slots.copyRow(slots, seats.size(), s);
                seats.set(s, last);
                s++;
            }
            left.add(gone.group);
        }
        // Counted before the groups complete: a caller that returns sees the batch without its sequences.
        running = seats.size();
        left.forEach(Group::settle);
    }

    // Every sequence still in the batch or waiting ends: cancelled when the loop closes, failed if the loop failed.
    private void shutDown(Throwable failure) {
        List<Group> left = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            left.addAll(waiting);
            waiting.clear();
            waitingSequences = 0;
        } finally {
            lock.unlock();
        }
        seats.stream().map(seat -> seat.group).distinct().forEach(left::add);
        seats.clear();
        running = 0;
        for (Group group : left) {
            if (failure == null) {
                group.end(FinishReason.CANCELLED);
            } else {
                group.done.completeExceptionally(failure);
            }
        }
    }

    private static RuntimeException unwrap(CompletionException e) {
        return switch (e.getCause()) {
            case RuntimeException runtime -> runtime;
            case Error error -> throw error;
            default -> e;
        };
    }

    /**
     * Stops the loop: sequences still running or waiting end cancelled (the step in progress is
     * interrupted), then the batch's memory goes back to the session. Callers should let their
     * generations end first; a service drains its calls before closing.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        closing.cancel();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (KvCache view : views) {
            if (view != null) {
                view.close();
            }
        }
        if (slots != null) {
            slots.close();
        }
        closing.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The prompts of one {@link #generate} call: they join together, and the call returns when all have ended. */
    private static final class Group {
        final List<RunningSequence> sequences;
        final KvCache prefilled;
        // Slots it needs: its sequences that did not end on their first id.
        final int seats;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Group(List<RunningSequence> sequences, KvCache prefilled) {
            this.sequences = sequences;
            this.prefilled = prefilled;
            this.seats = (int) sequences.stream().filter(s -> !s.ended()).count();
        }

        boolean cancelled() {
            return sequences.getFirst().request().cancellation().cancelled();
        }

        // Ends every unfinished sequence for `why` and completes the group.
        void end(FinishReason why) {
            try {
                sequences.forEach(sequence -> sequence.end(why));
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }

        // Completes the group once its last sequence has ended.
        void settle() {
            if (sequences.stream().allMatch(RunningSequence::ended)) {
                done.complete(null);
            }
        }
    }

    /** A sequence in a slot, with the group it came with. */
    private record Seat(Group group, RunningSequence sequence) {

        boolean leaving() {
            return sequence.ended() || group.done.isDone();
        }

        void end(FinishReason why) {
            try {
                sequence.end(why);
            } catch (RuntimeException e) {
                group.done.completeExceptionally(e);
            }
        }
    }
}
