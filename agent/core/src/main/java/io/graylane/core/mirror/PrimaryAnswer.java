package io.graylane.core.mirror;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;

/**
 * The primary's answer to a selected request while the application writes it (graylane.mirror.compare): the bytes
 * written to the response's stream, or the characters written to its writer, at most graylane.mirror.max-body-bytes
 * of them (past that nothing more is kept), then its status and headers when the request is over. Used by one thread
 * at a time, like the request's {@link ShadowCapture}.
 */
public final class PrimaryAnswer {

    private static final int INITIAL = 4096;

    private final int max;
    private byte[] bytes;
    private int byteCount;
    private char[] chars;
    private int charCount;
    private boolean overflow;
    private boolean bodyUnknown;
    /** The application asked the wrapper for a stream or a writer. */
    private boolean bodySeen;
    private Answer answer;

    PrimaryAnswer(int maxBody) {
        this.max = maxBody;
    }

    /** The application took the response's stream or writer from graylane's wrapper. */
    public void bodyOpened() {
        bodySeen = true;
    }

    public void write(int b) {
        if (overflow) return;
        if (byteCount + 1 > max) {
            overflow();
            return;
        }
        if (bytes == null || bytes.length == byteCount) bytes = grow(bytes, byteCount + 1);
        bytes[byteCount++] = (byte) b;
    }

    public void write(byte[] b, int off, int len) {
        if (overflow || len <= 0) return;
        int needed = byteCount + len;
        if (needed > max || needed < 0) {
            overflow();
            return;
        }
        if (bytes == null || bytes.length < needed) bytes = grow(bytes, needed);
        System.arraycopy(b, off, bytes, byteCount, len);
        byteCount = needed;
    }

    public void write(char[] c, int off, int len) {
        if (overflow || len <= 0) return;
        int needed = charCount + len;
        if (needed > max || needed < 0) {
            overflow();
            return;
        }
        if (chars == null || chars.length < needed) chars = grow(chars, needed);
        System.arraycopy(c, off, chars, charCount, len);
        charCount = needed;
    }

    public void write(String s, int off, int len) {
        if (overflow || len <= 0) return;
        int needed = charCount + len;
        if (needed > max || needed < 0) {
            overflow();
            return;
        }
        if (chars == null || chars.length < needed) chars = grow(chars, needed);
        s.getChars(off, off + len, chars, charCount);
        charCount = needed;
    }

    /** The application reset the response's buffer: what it wrote so far is not the answer. */
    public void reset() {
        if (overflow) return;
        byteCount = 0;
        charCount = 0;
    }

    /** sendError: the container writes the body, graylane does not see it. */
    public void bodyUnknown() {
        bodyUnknown = true;
    }

    private byte[] grow(byte[] a, int needed) {
        int size = (int) Math.min(max, Math.max((long) needed, a == null ? INITIAL : a.length * 2L));
        byte[] b = new byte[size];
        if (a != null) System.arraycopy(a, 0, b, 0, byteCount);
        return b;
    }

    private char[] grow(char[] a, int needed) {
        int size = (int) Math.min(max, Math.max((long) needed, a == null ? INITIAL : a.length * 2L));
        char[] b = new char[size];
        if (a != null) System.arraycopy(a, 0, b, 0, charCount);
        return b;
    }

    private void overflow() {
        overflow = true;
        bytes = null;
        chars = null;
    }

    /**
     * The request is over: the status and headers as the response reports them; {@code charset} is the response's
     * character encoding (what the writer's characters went out as).
     */
    public void finish(int status, String[] names, String[] values, int headers, String charset) {
        if (answer != null) return;
        if (overflow) {
            answer = new Answer(status, names, values, headers, null, 0, Answer.TOO_LARGE,
                    "the primary's body is larger than graylane.mirror.max-body-bytes (" + max + ")");
        } else if (bodyUnknown || !bodySeen) {
            answer = new Answer(status, names, values, headers, null, 0, Answer.BODY_UNKNOWN,
                    bodyUnknown ? "the container wrote the body (sendError)" : "the body was not written through the request's response");
        } else {
            byte[] body = bytes;
            int length = byteCount;
            if (charCount > 0) {
                byte[] encoded = encode(charset);
                if (encoded == null) {
                    answer = new Answer(status, names, values, headers, null, 0, Answer.BODY_UNKNOWN,
                            "the primary's body cannot be encoded as " + charset);
                    return;
                }
                if ((long) length + encoded.length > max) {
                    answer = new Answer(status, names, values, headers, null, 0, Answer.TOO_LARGE,
                            "the primary's body is larger than graylane.mirror.max-body-bytes (" + max + ")");
                    bytes = null;
                    chars = null;
                    return;
                }
                if (length > 0) {
                    byte[] both = new byte[length + encoded.length];
                    System.arraycopy(body, 0, both, 0, length);
                    System.arraycopy(encoded, 0, both, length, encoded.length);
                    body = both;
                    length = both.length;
                } else {
                    body = encoded;
                    length = encoded.length;
                }
            }
            answer = new Answer(status, names, values, headers, body == null ? new byte[0] : body, length, Answer.COMPLETE, null);
        }
        bytes = null;
        chars = null;
    }

    private byte[] encode(String charset) {
        try {
            CharsetEncoder encoder = Charset.forName(charset == null ? "ISO-8859-1" : charset).newEncoder()
                    .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
            ByteBuffer out = encoder.encode(CharBuffer.wrap(chars, 0, charCount));
            byte[] b = new byte[out.remaining()];
            out.get(b);
            return b;
        } catch (CharacterCodingException | RuntimeException e) {
            return null;
        }
    }

    /** The answer, once {@link #finish} ran; else null. */
    public Answer answer() {
        return answer;
    }
}
