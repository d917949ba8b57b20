package io.graylane.core.mirror;

/**
 * Compares the answers to one selected request (graylane.mirror.compare). The implementation lives in the agent jar
 * (it parses JSON with a shaded parser) and is loaded by name only when comparison is on; it runs on the mirror's
 * sender threads and never throws.
 */
public interface AnswerComparator {

    /**
     * @param method    the request's method
     * @param target    its path and query
     * @param requestId its x-request-id, or null
     * @param primary   what the primary answered
     * @param candidate what the mirror target answered ({@link Answer#FAILED} when it did not)
     * @param secondary what graylane.mirror.secondary answered, or null when none is configured
     */
    void compare(String method, String target, String requestId, Answer primary, Answer candidate, Answer secondary);
}
