package io.graylane.core.mirror;

/**
 * One HTTP answer as graylane saw it, for comparison: the primary's (captured from what the application wrote) or a
 * copy's (read from the candidate or the secondary). The body is at most graylane.mirror.max-body-bytes; whatever
 * kept it from being whole is in {@link #problem}.
 */
public final class Answer {

    /** The whole answer is here. */
    public static final int COMPLETE = 0;
    /** The body was longer than graylane.mirror.max-body-bytes: it is not kept. */
    public static final int TOO_LARGE = 1;
    /** The body did not arrive whole (the deadline passed, or the connection ended early). */
    public static final int INCOMPLETE = 2;
    /** No HTTP answer at all (refused, reset, timed out, garbage). */
    public static final int FAILED = 3;
    /** The primary's body was not seen (sendError, or written around graylane's wrapper): status and headers only. */
    public static final int BODY_UNKNOWN = 4;

    public final int status;
    private final String[] names;
    private final String[] values;
    private final int headers;
    /** Null unless COMPLETE (or empty). */
    public final byte[] body;
    public final int length;
    public final int state;
    /** Why the answer is not complete, for the report; null when it is. */
    public final String problem;

    public Answer(int status, String[] names, String[] values, int headers, byte[] body, int length, int state, String problem) {
        this.status = status;
        this.names = names;
        this.values = values;
        this.headers = headers;
        this.body = body;
        this.length = length;
        this.state = state;
        this.problem = problem;
    }

    public static Answer failed(String problem) {
        return new Answer(0, new String[0], new String[0], 0, null, 0, FAILED, problem);
    }

    /** The first value of a header (case-insensitive), or null. */
    public String header(String name) {
        for (int i = 0; i < headers; i++) {
            if (names[i].equalsIgnoreCase(name)) return values[i];
        }
        return null;
    }

    /** Every value of a header joined by ", " (case-insensitive), or null. */
    public String headerValues(String name) {
        String joined = null;
        for (int i = 0; i < headers; i++) {
            if (names[i].equalsIgnoreCase(name)) joined = joined == null ? values[i] : joined + ", " + values[i];
        }
        return joined;
    }
}
