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
 * A minimal HTTP/1.1 client for copies: one connection per copy (Connection: close), the whole exchange (connect,
 * request, response head) within one deadline, the response read and discarded. Written on the JDK's own non-blocking
 * socket channel rather than any HTTP client, so no graylane hook ever sees (labels, or mirrors) a copy, and rather
 * than a blocking Socket because a target that stops reading must not block a write past the deadline.
 * One instance per sender thread (it keeps its selector).
 */
final class ShadowClient implements AutoCloseable {

    /** Longest response head read; a longer one is a failure. */
    private static final int MAX_HEAD = 64 * 1024;
    /**
     * After a complete response, how long to wait for the server to close first (it was asked to): the side that
     * closes first keeps the port in TIME_WAIT, and a busy mirror must not run out of ephemeral ports.
     */
    private static final long CLOSE_GRACE_MILLIS = 100;

    private final String host;
    private final int port;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(8192);

    ShadowClient(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.selector = Selector.open();
    }

    /**
     * Sends one copy and returns the response status. Reading the rest of the response (to let the server finish
     * cleanly) never changes the outcome: it stops at the end of the response, the end of the stream or the deadline.
     *
     * @throws IOException refused, reset, timed out, or no HTTP answer
     */
    int send(byte[] head, byte[] body, int length, long timeoutMillis, boolean headRequest) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        SocketChannel channel = SocketChannel.open();
        SelectionKey key = null;
        try {
            channel.configureBlocking(false);
            channel.socket().setTcpNoDelay(true);
            key = channel.register(selector, 0);
            if (!channel.connect(new InetSocketAddress(host, port))) {
                do {
                    if (!await(key, SelectionKey.OP_CONNECT, deadline)) throw timeout("connect");
                } while (!channel.finishConnect());
            }
            ByteBuffer[] request = {ByteBuffer.wrap(head), ByteBuffer.wrap(body == null ? new byte[0] : body, 0, length)};
            while (request[0].hasRemaining() || request[1].hasRemaining()) {
                if (channel.write(request) == 0 && !await(key, SelectionKey.OP_WRITE, deadline)) throw timeout("send");
            }
            return readResponse(channel, key, deadline, headRequest);
        } finally {
            if (key != null) key.cancel();
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
            selector.selectNow(); // releases the cancelled key
        }
    }

    private int readResponse(SocketChannel channel, SelectionKey key, long deadline, boolean headRequest) throws IOException {
        ResponseHead response = new ResponseHead(headRequest);
        while (true) {
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                if (response.status > 0) return response.status;
                throw new IOException("the target closed the connection without an HTTP response");
            }
            if (n > 0) {
                in.flip();
                if (response.consume(in)) {
                    awaitClose(channel, key, Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS)));
                    return response.status;
                }
            } else if (!await(key, SelectionKey.OP_READ, deadline)) {
                if (response.status > 0) return response.status; // answered; the rest of its body is not waited for
                throw timeout("response");
            }
        }
    }

    /** Reads (and drops) until the server closes the connection, an error, or {@code until}. */
    private void awaitClose(SocketChannel channel, SelectionKey key, long until) {
        try {
            while (true) {
                in.clear();
                int n = channel.read(in);
                if (n < 0) return;
                if (n == 0 && !await(key, SelectionKey.OP_READ, until)) return;
            }
        } catch (IOException e) {
            // reset or closed: either way the exchange is over
        }
    }

    /** Waits until the channel is ready for {@code ops}; false once the deadline has passed. */
    private boolean await(SelectionKey key, int ops, long deadline) throws IOException {
        key.interestOps(ops);
        long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remaining <= 0) return false;
        selector.select(remaining);
        selector.selectedKeys().clear();
        return System.nanoTime() - deadline < 0 || key.isValid() && (key.readyOps() & ops) != 0;
    }

    private static SocketTimeoutException timeout(String phase) {
        return new SocketTimeoutException("no " + phase + " within graylane.mirror.timeout");
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /**
     * Parses just enough of a response: the status line and headers, then where the body ends (Content-Length,
     * chunked, or the end of the stream). Interim 1xx responses are skipped.
     */
    static final class ResponseHead {
        /** "0\r\n\r\n": the last chunk of a chunked body without trailers. */
        private static final long LAST_CHUNK = 0x300d0a0d0aL;
        private static final long FIVE_BYTES = 0xffffffffffL;

        private final boolean headRequest;
        int status;
        private final StringBuilder line = new StringBuilder();
        private int headBytes;
        private boolean inHead = true;
        private boolean firstLine = true;
        private int lineStatus;
        private long contentLength = -1;
        private boolean chunked;
        private long bodyRead;
        private long tail;

        ResponseHead(boolean headRequest) {
            this.headRequest = headRequest;
        }

        /** Feeds bytes; true when the response is complete. */
        boolean consume(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                if (!inHead) return body(bytes);
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
                    firstLine = false;
                } else if (!text.isEmpty()) {
                    header(text);
                } else if (lineStatus >= 100 && lineStatus < 200 && lineStatus != 101) {
                    firstLine = true; // an interim response: the real one follows
                    contentLength = -1;
                    chunked = false;
                } else {
                    status = lineStatus;
                    inHead = false;
                    if (headRequest || status == 204 || status == 304 || status == 101 || (!chunked && contentLength == 0)) {
                        return true;
                    }
                }
            }
            return false;
        }

        private boolean body(ByteBuffer bytes) {
            if (chunked) {
                while (bytes.hasRemaining()) {
                    tail = (tail << 8) | (bytes.get() & 0xff);
                    // stopping early at a look-alike inside the data only shortens the drain
                    if ((tail & FIVE_BYTES) == LAST_CHUNK) return true;
                }
                return false;
            }
            if (contentLength >= 0) {
                int n = (int) Math.min(bytes.remaining(), contentLength - bodyRead);
                bytes.position(bytes.position() + n);
                bodyRead += n;
                return bodyRead >= contentLength;
            }
            bytes.position(bytes.limit()); // delimited by the end of the stream
            return false;
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
            if (name.equalsIgnoreCase("content-length")) {
                try {
                    contentLength = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    contentLength = -1;
                }
            } else if (name.equalsIgnoreCase("transfer-encoding")
                    && value.toLowerCase(java.util.Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
    }
}
