package dev.osprey.model.sam;

import java.util.Map;
import java.util.TreeMap;

/** The worst difference seen per stage in a test class, printed at its end (the figures the report quotes). */
final class SamWorst {

    private final Map<String, Double> worst = new TreeMap<>();

    synchronized void record(String stage, double value) {
        worst.merge(stage, value, Math::max);
    }

    synchronized void print(String title) {
        worst.forEach((stage, value) -> System.out.printf("%s worst %-32s %.3e%n", title, stage, value));
    }
}
