package dev.osprey.gateway.access;

import org.springframework.http.server.PathContainer;

/**
 * Request paths as WebFlux routing sees them: each segment decoded and its {@code ;parameters}
 * dropped ({@link PathContainer.PathSegment#valueToMatch()}). A path that routing would see
 * differently from how it is written for a proxy or a file system (dot segments, empty segments,
 * encoded slashes) is refused outright, so that no such reading can differ from the access check's.
 */
final class RoutePaths {

    private RoutePaths() {
    }

    /** Why {@code path} is refused, or null when it is canonical. */
    static String problem(PathContainer path) {
        boolean afterSeparator = false;
        for (PathContainer.Element element : path.elements()) {
            if (element instanceof PathContainer.PathSegment segment) {
                String decoded = segment.valueToMatch();
                if (decoded.equals(".") || decoded.equals("..")) {
                    return "it has a dot segment ('" + segment.value() + "')";
                }
                if (decoded.indexOf('/') >= 0 || decoded.indexOf('\\') >= 0) {
                    return "it has an encoded slash or backslash ('" + segment.value() + "')";
                }
                afterSeparator = false;
            } else {
                if (afterSeparator) {
                    return "it has an empty segment ('//')";
                }
                afterSeparator = true;
            }
        }
        return null;
    }
}
