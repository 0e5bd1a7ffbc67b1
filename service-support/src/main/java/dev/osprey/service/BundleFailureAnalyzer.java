package dev.osprey.service;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** A service that cannot open its model bundle says so in one paragraph instead of a bean-creation trace. */
class BundleFailureAnalyzer extends AbstractFailureAnalyzer<OspreyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, OspreyException cause) {
        if (cause.reason() != Reason.BAD_BUNDLE) {
            return null;
        }
        return new FailureAnalysis("The model bundle could not be opened: " + cause.getMessage(),
                "Point osprey.model.bundle at a folder written by `osprey convert` (bin/osprey convert --help).", cause);
    }
}
