package io.graylane.core.mirror;

/**
 * One selected request on its way to becoming a copy: the body bytes the application reads (teed by the request
 * wrapper, up to graylane.mirror.max-body-bytes), the headers, and the decision at the end: an exact copy, or none.
 *
 * <p>Used by one thread at a time: the request thread, or the thread that completes an async request (the
 * container orders those). The body is exact or the copy is skipped: a body over the limit, or one the
 * application did not read to its end, is never sent.
 */
public final class ShadowCapture {

    private static final int INITIAL_BODY = 8192;
    private static final int INITIAL_HEADERS = 16;

    private final Mirror mirror;
    /** graylane.mirror.label, or null: the copy then carries the request's resolved label. */
    private final String fixedLabel;
    private String label;
    private final HeaderScrubber scrubber;
    private final int maxBody;

    private ShadowRequest source;
    /** Content-Length, or -1 when absent (chunked, or no body). */
    private long declared = -1;
    /** The request has body framing (Content-Length or Transfer-Encoding): the copy gets a Content-Length too. */
    private boolean framed;
    /** The framing says there is no body: Content-Length 0, or neither header on HTTP/1.x. */
    private boolean emptyByFraming;

    private byte[] body;
    private int count;
    private boolean overflow;
    private boolean endOfStream;

    private String[] names = new String[INITIAL_HEADERS];
    private String[] values = new String[INITIAL_HEADERS];
    private int headers;

    private boolean done;

    /** The primary's answer while it is written (null unless graylane.mirror.compare), and the wrapper that sees it. */
    private final PrimaryAnswer answer;
    private ShadowResponse response;

    ShadowCapture(Mirror mirror, String fixedLabel, HeaderScrubber scrubber) {
        this.mirror = mirror;
        this.answer = mirror.comparing() ? new PrimaryAnswer(mirror.maxBodyBytes()) : null;
        this.fixedLabel = fixedLabel;
        this.label = fixedLabel;
        this.scrubber = scrubber;
        this.maxBody = mirror.maxBodyBytes();
    }

    /** The label graylane resolved for the request (null: none); the copy carries it unless graylane.mirror.label is set. */
    public void resolvedLabel(String resolved) {
        if (fixedLabel == null) label = resolved;
    }

    /**
     * Called by the request wrapper when it is made: the wrapper, and the request's framing headers and protocol
     * (a body longer than the limit is known to be skipped from its Content-Length alone, and is not buffered).
     */
    public void attach(ShadowRequest request, String contentLength, String transferEncoding, String protocol) {
        source = request;
        boolean chunked = transferEncoding != null;
        framed = chunked || contentLength != null;
        if (!chunked && contentLength != null) declared = parseLength(contentLength);
        emptyByFraming = declared == 0
                || (!framed && protocol != null && protocol.startsWith("HTTP/1."));
        if (declared > maxBody) overflow = true;
    }

    /** The primary's answer to capture, or null when answers are not compared. */
    public PrimaryAnswer answer() {
        return answer;
    }

    /** Called by the response wrapper when it is made (only when answers are compared). */
    public void attachResponse(ShadowResponse wrapper) {
        response = wrapper;
    }

    private static long parseLength(String text) {
        String s = text.trim();
        if (s.isEmpty() || s.length() > 18) return -1;
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    // ---- the tee: bytes the application read ----

    public void write(int b) {
        if (overflow) return;
        if (count + 1 > maxBody) {
            overflow();
            return;
        }
        ensure(count + 1);
        body[count++] = (byte) b;
    }

    public void write(byte[] bytes, int offset, int length) {
        if (overflow || length <= 0) return;
        int needed = count + length;
        if (needed > maxBody || needed < 0) {
            overflow();
            return;
        }
        ensure(needed);
        System.arraycopy(bytes, offset, body, count, length);
        count = needed;
    }

    /** The application's read returned -1. */
    public void endOfStream() {
        endOfStream = true;
    }

    private void ensure(int needed) {
        if (body == null) {
            int size = declared >= needed && declared <= maxBody ? (int) declared : Math.max(needed, Math.min(INITIAL_BODY, maxBody));
            body = new byte[size];
        } else if (body.length < needed) {
            long doubled = Math.max((long) needed, Math.min((long) maxBody, body.length * 2L));
            byte[] bigger = new byte[(int) doubled];
            System.arraycopy(body, 0, bigger, 0, count);
            body = bigger;
        }
    }

    private void overflow() {
        overflow = true;
        body = null;
    }

    /** Bytes teed so far. */
    public int bytesRead() {
        return count;
    }

    /**
     * Whether the bytes teed are the whole body. {@code streamFinished}: the container's stream said
     * {@code isFinished()} (for a body of unknown length read without ever seeing -1, e.g. non-blocking reads).
     */
    public boolean bodyComplete(boolean streamFinished) {
        if (overflow) return false;
        if (emptyByFraming) return true;
        if (declared >= 0) return count == declared;
        return endOfStream || streamFinished;
    }

    // ---- completion ----

    /** One header line of the request, in order (a name may repeat). */
    public void header(String name, String value) {
        if (name == null || value == null) return;
        if (headers == names.length) {
            names = grow(names);
            values = grow(values);
        }
        names[headers] = name;
        values[headers++] = value;
    }

    private static String[] grow(String[] a) {
        String[] b = new String[a.length * 2];
        System.arraycopy(a, 0, b, 0, a.length);
        return b;
    }

    /**
     * The primary request is over: queue the copy, or count it as skipped. {@code fallbackHost} is used when the
     * request had no Host header. {@code formParsed}: the request is a URL-encoded form, the application asked for
     * its parameters and read no body bytes itself, so the container consumed the body; {@code formBody} is then
     * the body rebuilt from the parameters (see {@link FormBody}), or null when it cannot be.
     */
    public void complete(String method, String requestUri, String query, String fallbackHost, boolean streamFinished,
                         boolean formParsed, byte[] formBody) {
        if (done) return;
        done = true;
        source = null;
        byte[] payload;
        int length;
        if (overflow) {
            mirror.skipped(method, requestUri, "its body is larger than graylane.mirror.max-body-bytes (" + maxBody + ")");
            return;
        } else if (formParsed && count == 0 && !emptyByFraming) {
            // the container read the body for its parameters: what the stream shows now (nothing, end of stream) is not it
            if (formBody == null) {
                mirror.skipped(method, requestUri, "its form body was parsed by the container and cannot be rebuilt");
                return;
            }
            if (formBody.length > maxBody) {
                mirror.skipped(method, requestUri, "its form body is larger than graylane.mirror.max-body-bytes (" + maxBody + ")");
                return;
            }
            payload = formBody;
            length = formBody.length;
        } else if (bodyComplete(streamFinished)) {
            payload = body;
            length = count;
        } else {
            mirror.skipped(method, requestUri, "the application did not read its body completely (read " + count
                    + (declared >= 0 ? " of " + declared : "") + " bytes)");
            return;
        }
        body = null;
        if (!ShadowCopy.isToken(method)) {
            mirror.skipped(method, requestUri, "its method is not a token");
            return;
        }
        String target = ShadowCopy.requestTarget(requestUri, query);
        Answer primary = null;
        if (answer != null) {
            ShadowResponse wrapper = response;
            response = null;
            if (wrapper != null) {
                try {
                    wrapper.finishAnswer();
                } catch (Throwable t) {
                    // the container's response could not be read: the copy is still sent, its answer not compared
                }
            }
            primary = answer.answer();
        }
        mirror.submit(new ShadowCopy(method, target, names, values, headers, fallbackHost, label, scrubber,
                payload, length, framed || length > 0, primary));
    }

    /** Called when the inbound scope closes: hands the end of the primary request to the wrapper (a capture no wrapper took is skipped). */
    public void primaryReturned() {
        ShadowRequest request = source;
        if (request == null) {
            abandon("the request was not wrapped", null);
            return;
        }
        try {
            request.primaryReturned();
        } catch (Throwable t) {
            abandon("the copy could not be built", t);
        }
    }

    /** The copy cannot be made (the wrapper failed, or the request is an upgrade): counted as skipped. */
    public void abandon(String reason, Throwable cause) {
        if (done) return;
        done = true;
        source = null;
        response = null;
        body = null;
        mirror.abandoned(reason, cause);
    }

    /** Whether {@link #complete} or {@link #abandon} ran. */
    public boolean isDone() {
        return done;
    }
}
