package io.graylane.core.mirror;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP/1.1 client for copies: one kept-alive connection per sender thread, the whole exchange (connect when
 * needed, request, response) within one deadline, the response read and discarded. Written on the JDK's own
 * non-blocking socket channel rather than any HTTP client, so no graylane hook ever sees (labels, or mirrors) a copy,
 * and rather than a blocking Socket because a target that stops reading must not block a write past the deadline.
 *
 * <p>The connection is reused for the next copy when the response was read to its exact end (Content-Length, a
 * chunked body, or none) and neither side asked to close; before reuse a connection the server has closed meanwhile
 * (idle timeout) is noticed and replaced, so a copy is never sent twice. Any failure closes the connection. Copies
 * that are waiting together are sent pipelined ({@link #pipeline}). One instance per sender thread.
 */
final class ShadowClient implements AutoCloseable {

    /** Longest response head read; a longer one is a failure. */
    private static final int MAX_HEAD = 64 * 1024;
    /** After a failed connect, no new one is tried for 25 ms, doubling with each further failure up to 1 s. */
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final byte[] EMPTY = new byte[0];

    private final String host;
    private final int port;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(8192);
    private SocketChannel channel;
    private SelectionKey key;
    /** Connections opened so far (tests read it). */
    private long connections;
    /** Connects that failed in a row, and when the next may be tried. */
    private int connectFailures;
    private long nextConnect;
    private TargetDown down;

    ShadowClient(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.selector = Selector.open();
    }

    /**
     * Sends one copy and returns the response status. Reading the rest of the response never changes the outcome:
     * it stops at the end of the response, the end of the stream or the deadline.
     *
     * @throws IOException refused, reset, timed out, or no HTTP answer
     */
    int send(byte[] head, byte[] body, int length, long timeoutMillis, boolean headRequest) throws IOException {
        return exchange(head, body, length, timeoutMillis, new ResponseHead(headRequest, -1));
    }

    /**
     * Sends one copy and reads its whole answer (graylane.mirror.compare): status, headers, and a body of at most
     * {@code maxBody} bytes. A longer body is not read further (the connection is closed); one cut short by the
     * deadline or the connection is marked incomplete. Never throws: a failure is an answer in state FAILED.
     */
    Answer answer(byte[] head, byte[] body, int length, long timeoutMillis, boolean headRequest, int maxBody) {
        ResponseHead response = new ResponseHead(headRequest, maxBody);
        int status;
        try {
            status = exchange(head, body, length, timeoutMillis, response);
        } catch (Throwable t) {
            return Answer.failed(String.valueOf(t));
        }
        if (response.tooLarge) {
            return new Answer(status, response.names, response.values, response.headerCount, null, 0, Answer.TOO_LARGE,
                    "the body is larger than graylane.mirror.max-body-bytes (" + maxBody + ")");
        }
        if (!response.complete && !(response.endOfStream && response.delimitedByEnd())) {
            return new Answer(status, response.names, response.values, response.headerCount, null, 0, Answer.INCOMPLETE,
                    "the body did not arrive whole within graylane.mirror.timeout");
        }
        byte[] bytes = response.collected == null ? new byte[0] : response.collected;
        return new Answer(status, response.names, response.values, response.headerCount, bytes, response.collectedLength,
                Answer.COMPLETE, null);
    }

    private int exchange(byte[] head, byte[] body, int length, long timeoutMillis, ResponseHead response) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        boolean done = false;
        try {
            if (channel != null && !idleAndOpen()) disconnect();
            if (channel == null) connect(deadline);
            ByteBuffer[] request = {ByteBuffer.wrap(head), ByteBuffer.wrap(body == null ? new byte[0] : body, 0, length)};
            while (request[0].hasRemaining() || request[1].hasRemaining()) {
                if (channel.write(request) == 0 && !await(SelectionKey.OP_WRITE, deadline)) throw timeout("send");
            }
            int status = readResponse(response, deadline);
            done = response.reusable();
            return status;
        } finally {
            if (!done) disconnect();
        }
    }

    /**
     * Copies sent together, pipelined on one connection: their requests written back to back, their responses read in
     * order. {@link #pipeline} fills in each copy's status and how many were answered.
     */
    static final class Batch {
        final byte[][] heads;
        final byte[][] bodies;
        final int[] lengths;
        final boolean[] headRequests;
        final int[] statuses;
        int size;
        /** Copies answered so far, from the first: their statuses are set. */
        int answered;
        /** How long the first answer took from the start of the exchange, or -1 before it came. */
        long firstAnswerNanos = -1;

        Batch(int capacity) {
            heads = new byte[capacity][];
            bodies = new byte[capacity][];
            lengths = new int[capacity];
            headRequests = new boolean[capacity];
            statuses = new int[capacity];
        }

        void add(byte[] head, byte[] body, int length, boolean headRequest) {
            heads[size] = head;
            bodies[size] = body;
            lengths[size] = length;
            headRequests[size++] = headRequest;
        }

        void clear() {
            java.util.Arrays.fill(heads, 0, size, null);
            java.util.Arrays.fill(bodies, 0, size, null);
            size = 0;
            answered = 0;
            firstAnswerNanos = -1;
        }
    }

    /**
     * Sends the copies of {@code batch} from {@code batch.answered} on, pipelined on the kept connection (HTTP/1.1
     * allows a client to send requests without waiting for the answers, and a server answers them in order): one
     * write for all of them when the socket takes it, responses read as they come (so a target that answers before it
     * has read everything cannot stall the exchange), each copy's answer due within the timeout of the answer before
     * it. Returns normally when every copy was answered, or when the target said it closes the connection after an
     * answer (Connection: close, HTTP/1.0, a body delimited by the end of the stream): it has then processed none of
     * the later requests, and the caller may send those again on a new connection.
     *
     * @throws IOException refused, reset, timed out or not HTTP: the copies not answered by then may or may not have
     *                     reached the target and are never sent again
     */
    void pipeline(Batch batch, long timeoutMillis) throws IOException {
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long start = System.nanoTime();
        long deadline = start + timeoutNanos;
        boolean reusable = false;
        try {
            if (channel != null && !idleAndOpen()) disconnect();
            if (channel == null) connect(deadline);
            int first = batch.answered;
            ByteBuffer[] out = new ByteBuffer[2 * (batch.size - first)];
            for (int i = first; i < batch.size; i++) {
                out[2 * (i - first)] = ByteBuffer.wrap(batch.heads[i]);
                out[2 * (i - first) + 1] = ByteBuffer.wrap(batch.bodies[i] == null ? EMPTY : batch.bodies[i], 0, batch.lengths[i]);
            }
            int written = 0; // buffers written whole
            ResponseHead response = new ResponseHead(batch.headRequests[first], -1);
            boolean readable = false;
            while (true) {
                while (written < out.length && !out[written].hasRemaining()) written++;
                if (written < out.length && channel.write(out, written, out.length - written) > 0) continue;
                if (readable) {
                    in.clear();
                    int n = channel.read(in);
                    if (n < 0) {
                        response.endOfStream = true;
                        if (response.status == 0) throw new IOException("the target closed the connection without an HTTP response");
                        batch.statuses[batch.answered++] = response.status;
                        if (!response.delimitedByEnd()) throw new IOException("the target closed the connection within a response");
                        return; // it closed after an answer delimited by the end of the stream: the rest were not processed
                    }
                    readable = n == in.capacity(); // a shorter read took all there was
                    if (n > 0) {
                        in.flip();
                        while (in.hasRemaining() && response.consume(in)) {
                            batch.statuses[batch.answered++] = response.status;
                            long now = System.nanoTime();
                            if (batch.firstAnswerNanos < 0) batch.firstAnswerNanos = now - start;
                            deadline = now + timeoutNanos;
                            if (!response.keepAlive) return; // the target closes now and processed none of the rest
                            if (batch.answered == batch.size) {
                                reusable = !in.hasRemaining() && written == out.length; // nothing unasked for
                                return;
                            }
                            response = new ResponseHead(batch.headRequests[batch.answered], -1);
                        }
                        continue;
                    }
                }
                int ready = awaitAny(SelectionKey.OP_READ | (written < out.length ? SelectionKey.OP_WRITE : 0), deadline);
                if (ready < 0) {
                    if (response.status > 0) batch.statuses[batch.answered++] = response.status; // its body not waited for
                    throw timeout("response");
                }
                readable = (ready & SelectionKey.OP_READ) != 0;
            }
        } finally {
            if (!reusable) disconnect();
        }
    }

    /** Waits until the channel is ready for any of {@code ops}; the ready ones, or -1 once the deadline has passed. */
    private int awaitAny(int ops, long deadline) throws IOException {
        key.interestOps(ops);
        long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remaining <= 0) return -1;
        selector.select(remaining);
        selector.selectedKeys().clear();
        int ready = key.isValid() ? key.readyOps() & ops : 0;
        return ready != 0 ? ready : System.nanoTime() - deadline < 0 ? 0 : -1;
    }

    /** When the next connect may be tried (System.nanoTime) while backing off a target that failed to connect, else 0. */
    long nextConnect() {
        return connectFailures > 0 ? nextConnect : 0;
    }

    /** Connections opened so far. */
    long connections() {
        return connections;
    }

    /** Closes the kept connection, if any (a sender that has been idle for a while lets it go). */
    void disconnect() {
        if (channel == null) return;
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
        channel = null;
        key = null;
        try {
            selector.selectNow(); // releases the cancelled key
        } catch (IOException ignored) {
            // the selector is being closed
        }
    }

    /**
     * Opens the connection. A target that refused or did not accept the last attempt is not tried again until its
     * back-off has passed: meanwhile copies fail at once, without a socket (an absent target costs next to nothing).
     */
    private void connect(long deadline) throws IOException {
        if (connectFailures > 0 && System.nanoTime() - nextConnect < 0) throw down;
        try {
            channel = SocketChannel.open();
            connections++;
            channel.configureBlocking(false);
            channel.socket().setTcpNoDelay(true);
            key = channel.register(selector, 0);
            if (!channel.connect(new InetSocketAddress(host, port))) {
                do {
                    if (!await(SelectionKey.OP_CONNECT, deadline)) throw timeout("connect");
                } while (!channel.finishConnect());
            }
            connectFailures = 0;
        } catch (IOException e) {
            connectFailures++;
            down = new TargetDown(e);
            nextConnect = System.nanoTime() + Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(connectFailures - 1, 6));
            throw e;
        }
    }

    /** A copy not sent because the target's last connect failed moments ago; no stack trace (it is counted, not logged). */
    static final class TargetDown extends IOException {
        private static final long serialVersionUID = 1L;

        TargetDown(IOException last) {
            super("not connecting for a moment: the last connect failed (" + last + ")");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Whether the kept connection is still usable: the server has neither closed it nor sent anything unasked. */
    private boolean idleAndOpen() {
        try {
            in.clear();
            return channel.read(in) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private int readResponse(ResponseHead response, long deadline) throws IOException {
        while (true) {
            // waits first: right after the request nothing can have arrived yet, and a read would only say so
            if (!await(SelectionKey.OP_READ, deadline)) {
                if (response.status > 0) return response.status; // answered; the rest of its body is not waited for
                throw timeout("response");
            }
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                response.endOfStream = true;
                if (response.status > 0) return response.status; // a body delimited by the end of the stream
                throw new IOException("the target closed the connection without an HTTP response");
            }
            if (n > 0) {
                in.flip();
                if (response.consume(in)) {
                    // bytes after the end of the response were not asked for: the connection is not reused
                    if (in.hasRemaining()) response.keepAlive = false;
                    return response.status;
                }
            }
        }
    }

    /** Waits until the channel is ready for {@code ops}; false once the deadline has passed. */
    private boolean await(int ops, long deadline) throws IOException {
        return awaitAny(ops, deadline) >= 0;
    }

    private static SocketTimeoutException timeout(String phase) {
        return new SocketTimeoutException("no " + phase + " within graylane.mirror.timeout");
    }

    @Override
    public void close() {
        disconnect();
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /**
     * Parses just enough of a response: the status line and headers, then where the body ends (Content-Length,
     * chunked, or the end of the stream), and whether the connection may carry another request. Interim 1xx
     * responses are skipped.
     */
    static final class ResponseHead {
        private static final int SIZE = 0, EXTENSION = 1, DATA = 2, DATA_END = 3, TRAILER = 4;

        private static final int MAX_HEADERS = 256;

        private final boolean headRequest;
        /** Bytes of body kept (graylane.mirror.compare), or -1: the body is skipped. */
        private final int collectMax;
        String[] names = new String[0];
        String[] values = new String[0];
        int headerCount;
        byte[] collected;
        int collectedLength;
        boolean tooLarge;
        boolean endOfStream;
        int status;
        /** HTTP/1.1 and no "Connection: close"; cleared by anything that leaves the stream's position unknown. */
        boolean keepAlive;
        private boolean complete;
        private final StringBuilder line = new StringBuilder();
        private int headBytes;
        private boolean inHead = true;
        private boolean firstLine = true;
        private int lineStatus;
        private long contentLength = -1;
        private boolean chunked;
        private long bodyRead;
        private int chunkState = SIZE;
        private long chunkLeft;
        private boolean chunkSizeSeen;
        private int trailerLine;

        ResponseHead(boolean headRequest, int collectMax) {
            this.headRequest = headRequest;
            this.collectMax = collectMax;
            if (collectMax >= 0) {
                names = new String[16];
                values = new String[16];
            }
        }

        /** Keeps the next n body bytes; false (and no more reading) once the body outgrows the limit. */
        private boolean keep(ByteBuffer bytes, int n) {
            if (collectMax < 0 || n <= 0) return true;
            if ((long) collectedLength + n > collectMax) {
                tooLarge = true;
                collected = null;
                keepAlive = false;
                return false;
            }
            if (collected == null || collected.length < collectedLength + n) {
                int size = (int) Math.min(collectMax, Math.max((long) collectedLength + n,
                        collected == null ? Math.min(8192, collectMax) : collected.length * 2L));
                byte[] bigger = new byte[size];
                if (collected != null) System.arraycopy(collected, 0, bigger, 0, collectedLength);
                collected = bigger;
            }
            bytes.get(collected, collectedLength, n);
            bytes.position(bytes.position() - n);
            collectedLength += n;
            return true;
        }

        /** The body has neither a length nor chunks: it ends where the stream ends. */
        boolean delimitedByEnd() {
            return !inHead && !chunked && contentLength < 0;
        }

        /** Whether the response ended exactly where the stream now is, and the connection may be used again. */
        boolean reusable() {
            return complete && keepAlive;
        }

        /** Feeds bytes; true when the response is complete. */
        boolean consume(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                if (!inHead) return complete = body(bytes);
                char c = (char) (bytes.get() & 0xff);
                if (++headBytes > MAX_HEAD) throw new IOException("response head longer than " + MAX_HEAD + " bytes");
                if (c != '\n') {
                    if (c != '\r') line.append(c);
                    continue;
                }
                String text = line.toString();
                line.setLength(0);
                if (firstLine) {
                    lineStatus = parseStatus(text);
                    keepAlive = text.startsWith("HTTP/1.1 ");
                    firstLine = false;
                } else if (!text.isEmpty()) {
                    header(text);
                } else if (lineStatus >= 100 && lineStatus < 200 && lineStatus != 101) {
                    firstLine = true; // an interim response: the real one follows
                    headerCount = 0;
                    contentLength = -1;
                    chunked = false;
                } else {
                    status = lineStatus;
                    inHead = false;
                    if (status == 101) keepAlive = false;
                    if (headRequest || status == 204 || status == 304 || status == 101 || (!chunked && contentLength == 0)) {
                        return complete = true;
                    }
                    if (!chunked && contentLength < 0) keepAlive = false; // delimited by the end of the stream
                }
            }
            return false;
        }

        private boolean body(ByteBuffer bytes) throws IOException {
            if (chunked) return chunks(bytes);
            if (contentLength >= 0) {
                int n = (int) Math.min(bytes.remaining(), contentLength - bodyRead);
                if (!keep(bytes, n)) return true;
                bytes.position(bytes.position() + n);
                bodyRead += n;
                return bodyRead >= contentLength;
            }
            if (!keep(bytes, bytes.remaining())) return true;
            bytes.position(bytes.limit()); // delimited by the end of the stream
            return false;
        }

        /** A chunked body: size [; extensions] CRLF, data CRLF, ..., 0 CRLF, trailers, CRLF. */
        private boolean chunks(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                if (chunkState == DATA) {
                    int n = (int) Math.min(bytes.remaining(), chunkLeft);
                    if (!keep(bytes, n)) return true;
                    bytes.position(bytes.position() + n);
                    chunkLeft -= n;
                    if (chunkLeft == 0) chunkState = DATA_END;
                    continue;
                }
                char c = (char) (bytes.get() & 0xff);
                switch (chunkState) {
                    case SIZE:
                        int digit = Character.digit(c, 16);
                        if (digit >= 0) {
                            if (chunkLeft > (Long.MAX_VALUE >> 4)) throw new IOException("chunk size too large");
                            chunkLeft = chunkLeft << 4 | digit;
                            chunkSizeSeen = true;
                        } else if (c == ';' || c == ' ' || c == '\t') {
                            chunkState = EXTENSION;
                        } else if (c == '\n') {
                            endOfSizeLine();
                        } else if (c != '\r') {
                            throw new IOException("malformed chunk size in the response");
                        }
                        break;
                    case EXTENSION:
                        if (c == '\n') endOfSizeLine();
                        break;
                    case DATA_END:
                        if (c == '\n') chunkState = SIZE;
                        break;
                    default: // TRAILER: header lines until an empty one
                        if (c == '\n') {
                            if (trailerLine == 0) return true;
                            trailerLine = 0;
                        } else if (c != '\r') {
                            trailerLine++;
                        }
                }
            }
            return false;
        }

        private void endOfSizeLine() throws IOException {
            if (!chunkSizeSeen) throw new IOException("malformed chunk size in the response");
            chunkSizeSeen = false;
            chunkState = chunkLeft == 0 ? TRAILER : DATA;
        }

        private static int parseStatus(String text) throws IOException {
            // HTTP/1.1 200 OK
            if (!text.startsWith("HTTP/") || text.length() < 12 || text.charAt(8) != ' ') {
                throw new IOException("not an HTTP response: " + (text.length() > 40 ? text.substring(0, 40) : text));
            }
            try {
                return Integer.parseInt(text.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status line: " + text);
            }
        }

        private void header(String text) {
            int colon = text.indexOf(':');
            if (colon <= 0) return;
            String name = text.substring(0, colon).trim();
            String value = text.substring(colon + 1).trim();
            if (collectMax >= 0 && headerCount < MAX_HEADERS) {
                if (headerCount == names.length) {
                    names = java.util.Arrays.copyOf(names, names.length * 2);
                    values = java.util.Arrays.copyOf(values, values.length * 2);
                }
                names[headerCount] = name;
                values[headerCount++] = value;
            }
            if (name.equalsIgnoreCase("content-length")) {
                try {
                    contentLength = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    contentLength = -1;
                    keepAlive = false;
                }
            } else if (name.equalsIgnoreCase("transfer-encoding")
                    && value.toLowerCase(java.util.Locale.ROOT).contains("chunked")) {
                chunked = true;
            } else if (name.equalsIgnoreCase("connection")) {
                for (String token : value.split(",")) {
                    if (token.trim().equalsIgnoreCase("close")) keepAlive = false;
                }
            }
        }
    }
}
