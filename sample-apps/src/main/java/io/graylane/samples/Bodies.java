package io.graylane.samples;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.Charset;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Reading request bodies in the sample apps, and the hash they answer with. */
final class Bodies {

    private Bodies() {
    }

    /** What was read of a body: its length in bytes and SHA-256. */
    record Read(long bytes, String sha256) {
        String json(String service, String method, String how) {
            return "{\"service\":" + Json.quote(service) + ",\"method\":" + Json.quote(method) + ",\"read\":" + Json.quote(how)
                    + ",\"bytes\":" + bytes + ",\"sha256\":" + Json.quote(sha256) + "}";
        }
    }

    /** Reads up to {@code max} bytes (all when negative) from {@code in}. */
    static Read read(InputStream in, long max) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[16384];
        long total = 0;
        while (max < 0 || total < max) {
            int want = max < 0 ? buffer.length : (int) Math.min(buffer.length, max - total);
            int n = in.read(buffer, 0, want);
            if (n < 0) {
                break;
            }
            sha.update(buffer, 0, n);
            total += n;
        }
        return new Read(total, HexFormat.of().formatHex(sha.digest()));
    }

    /** Reads a whole body through a Reader; the hash is over the characters encoded back in {@code charset}. */
    static Read read(Reader in, Charset charset) throws IOException {
        StringBuilder text = new StringBuilder();
        char[] buffer = new char[8192];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            text.append(buffer, 0, n);
        }
        byte[] bytes = text.toString().getBytes(charset);
        return new Read(bytes.length, HexFormat.of().formatHex(sha256().digest(bytes)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
