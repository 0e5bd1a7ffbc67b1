package dev.osprey.service;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** A service whose internal hops would be open says why in one paragraph instead of a bean-creation trace. */
class InternalAccessFailureAnalyzer extends AbstractFailureAnalyzer<InternalAccessException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InternalAccessException cause) {
        return new FailureAnalysis("The internal hops cannot be protected: " + cause.getMessage(),
                "Give every service the same secret as osprey.internal.token-file (a mounted Secret) or osprey.internal.token;"
                        + " see README.md, \"Internal hops\".", cause);
    }
}
