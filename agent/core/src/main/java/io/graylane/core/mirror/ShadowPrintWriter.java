package io.graylane.core.mirror;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * The response writer a selected request's application gets when answers are compared: every character goes to the
 * container's own writer and, up to the limit, to the {@link PrimaryAnswer}. Errors stay the container writer's
 * ({@link #checkError}).
 */
public final class ShadowPrintWriter extends PrintWriter {

    private final PrintWriter container;

    public ShadowPrintWriter(PrintWriter container, PrimaryAnswer answer) {
        super(new Tee(container, answer), false);
        this.container = container;
    }

    @Override
    public boolean checkError() {
        super.flush();
        return container.checkError();
    }

    private static final class Tee extends Writer {
        private final PrintWriter out;
        private final PrimaryAnswer answer;

        Tee(PrintWriter out, PrimaryAnswer answer) {
            super(out);
            this.out = out;
            this.answer = answer;
        }

        @Override
        public void write(int c) {
            out.write(c);
            char[] one = {(char) c};
            answer.write(one, 0, 1);
        }

        @Override
        public void write(char[] c, int off, int len) {
            out.write(c, off, len);
            answer.write(c, off, len);
        }

        @Override
        public void write(String s, int off, int len) {
            out.write(s, off, len);
            answer.write(s, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
