package io.graylane.agent.instrumentation.servlet.helper;

import io.graylane.core.mirror.ShadowCapture;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.io.IOException;

/**
 * The container's request body stream, with every byte the application reads also written to the capture
 * (jakarta.servlet). Everything else, non-blocking reads included, is the container's stream's own behaviour.
 * A helper: defined in the application's class loader by graylane.
 */
final class JakartaShadowInputStream extends ServletInputStream {

    private final ServletInputStream in;
    private final ShadowCapture capture;

    JakartaShadowInputStream(ServletInputStream in, ShadowCapture capture) {
        this.in = in;
        this.capture = capture;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            capture.endOfStream();
        } else {
            capture.write(b);
        }
        return b;
    }

    @Override
    public int read(byte[] b) throws IOException {
        return read(b, 0, b.length);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
            capture.endOfStream();
        } else if (n > 0) {
            capture.write(b, off, n);
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    @Override
    public boolean isFinished() {
        return in.isFinished();
    }

    @Override
    public boolean isReady() {
        return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
        in.setReadListener(listener);
    }

    /** isFinished(), or false where the container predates it (Servlet 3.0) or fails. */
    boolean finishedQuietly() {
        try {
            return in.isFinished();
        } catch (Throwable t) {
            return false;
        }
    }
}
