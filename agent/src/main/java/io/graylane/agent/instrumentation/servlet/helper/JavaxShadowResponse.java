package io.graylane.agent.instrumentation.servlet.helper;

import io.graylane.core.mirror.PrimaryAnswer;
import io.graylane.core.mirror.ShadowCapture;
import io.graylane.core.mirror.ShadowPrintWriter;
import io.graylane.core.mirror.ShadowResponse;
import javax.servlet.ServletOutputStream;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpServletResponseWrapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Collection;

/**
 * What the application gets instead of the response of a request selected for mirroring when answers are compared
 * (javax.servlet, graylane.mirror.compare): the same response, whose stream and writer also keep what the
 * application writes, up to graylane.mirror.max-body-bytes, as the primary's answer. Everything the container
 * does (buffering, commit, errors) is unchanged. A helper: defined in the application's class loader by graylane.
 */
public final class JavaxShadowResponse extends HttpServletResponseWrapper implements ShadowResponse {

    private final HttpServletResponse original;
    private final PrimaryAnswer answer;
    private JavaxShadowOutputStream stream;
    private PrintWriter writer;

    private JavaxShadowResponse(HttpServletResponse response, PrimaryAnswer answer) {
        super(response);
        this.original = response;
        this.answer = answer;
    }

    /** The response the application should see: the wrapper when answers are compared, else the response itself. */
    public static HttpServletResponse wrap(HttpServletResponse response, ShadowCapture capture) {
        PrimaryAnswer answer = capture.answer();
        if (answer == null) return response;
        JavaxShadowResponse wrapper = new JavaxShadowResponse(response, answer);
        capture.attachResponse(wrapper);
        return wrapper;
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (stream == null) {
            ServletOutputStream out = super.getOutputStream(); // throws first when getWriter() was called
            answer.bodyOpened();
            stream = new JavaxShadowOutputStream(out, answer);
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            PrintWriter out = super.getWriter();
            answer.bodyOpened();
            writer = new ShadowPrintWriter(out, answer);
        }
        return writer;
    }

    @Override
    public void reset() {
        super.reset();
        answer.reset();
    }

    @Override
    public void resetBuffer() {
        super.resetBuffer();
        answer.reset();
    }

    @Override
    public void sendError(int status) throws IOException {
        super.sendError(status);
        answer.bodyUnknown();
    }

    @Override
    public void sendError(int status, String message) throws IOException {
        super.sendError(status, message);
        answer.bodyUnknown();
    }

    /** The request is over: the status and headers the container reports go to the answer. */
    @Override
    public void finishAnswer() {
        HttpServletResponse response = original;
        Collection<String> headerNames = response.getHeaderNames();
        int capacity = 1;
        for (String name : headerNames) capacity += response.getHeaders(name).size();
        String[] names = new String[capacity];
        String[] values = new String[capacity];
        int n = 0;
        boolean contentType = false;
        for (String name : headerNames) {
            if (name == null) continue;
            if (name.equalsIgnoreCase("content-type")) contentType = true;
            for (String value : response.getHeaders(name)) {
                if (n == capacity - 1) break;
                names[n] = name;
                values[n++] = value;
            }
        }
        String type = response.getContentType();
        if (!contentType && type != null) {
            names[n] = "Content-Type";
            values[n++] = type;
        }
        answer.finish(response.getStatus(), names, values, n, response.getCharacterEncoding());
    }
}
