package dev.osprey.model.pipeline;

import java.util.List;

/** Opening several native resources so that a failure part-way closes what was already open. */
final class Resources {

    private Resources() {
    }

    /** Adds {@code resource} to {@code opened} and returns it. */
    static <T extends AutoCloseable> T track(List<AutoCloseable> opened, T resource) {
        opened.add(resource);
        return resource;
    }

    /** Closes each resource in order; if any fails, throws one exception saying {@code what} with the failures suppressed. */
    static void close(String what, List<AutoCloseable> resources) {
        RuntimeException failure = new RuntimeException("closing " + what + " failed");
        closeAll(resources, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    /** Closes each resource in order, adding what fails to {@code failure} as suppressed. */
    static void closeAll(List<AutoCloseable> resources, RuntimeException failure) {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }
}
