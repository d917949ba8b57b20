package io.graylane.agent.instrumentation.servlet.helper;

import io.graylane.core.mirror.PrimaryAnswer;
import javax.servlet.ServletOutputStream;
import javax.servlet.WriteListener;

import java.io.IOException;

/**
 * The container's response body stream, with every byte the application writes also kept, up to the limit, as the
 * primary's answer (javax.servlet; graylane.mirror.compare). Non-blocking writes are the container's own.
 * A helper: defined in the application's class loader by graylane.
 */
final class JavaxShadowOutputStream extends ServletOutputStream {

    private final ServletOutputStream out;
    private final PrimaryAnswer answer;

    JavaxShadowOutputStream(ServletOutputStream out, PrimaryAnswer answer) {
        this.out = out;
        this.answer = answer;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        answer.write(b);
    }

    @Override
    public void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        answer.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    @Override
    public boolean isReady() {
        return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
        out.setWriteListener(listener);
    }
}
