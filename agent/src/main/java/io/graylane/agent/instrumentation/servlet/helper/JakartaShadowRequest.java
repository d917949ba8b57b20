package io.graylane.agent.instrumentation.servlet.helper;

import io.graylane.core.mirror.FormBody;
import io.graylane.core.mirror.ShadowCapture;
import io.graylane.core.mirror.ShadowRequest;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Map;

/**
 * What the application gets instead of a request selected for mirroring (jakarta.servlet): the same request, whose
 * body stream and reader copy the bytes the application reads into the request's {@link ShadowCapture}. Nothing is
 * read that the application does not read. When the request is over it hands the capture its headers.
 * A helper: defined in the application's class loader by graylane (see HelperInjector).
 */
public final class JakartaShadowRequest extends HttpServletRequestWrapper implements ShadowRequest {

    /** Set by Tomcat when it could not parse all the parameters: a form body rebuilt from them would be short. */
    private static final String TOMCAT_PARSE_FAILED = "org.apache.catalina.parameter_parse_failed";

    private final HttpServletRequest original;
    private final ShadowCapture capture;
    private JakartaShadowInputStream stream;
    private BufferedReader reader;
    private boolean streamUsed;
    private boolean parametersRead;
    private boolean finished;

    private JakartaShadowRequest(HttpServletRequest request, ShadowCapture capture) {
        super(request);
        this.original = request;
        this.capture = capture;
    }

    /**
     * The request the application should see: the wrapper, or the request itself when it cannot be copied (a
     * WebSocket handshake: the connection becomes something else). Other upgrade offers (h2c, which Java's
     * HttpClient makes by default) are plain requests to copy; the copy drops the hop-by-hop upgrade headers.
     */
    public static HttpServletRequest wrap(HttpServletRequest request, ShadowCapture capture) {
        String upgrade = request.getHeader("upgrade");
        if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
            capture.abandon("it is a WebSocket handshake", null);
            return request;
        }
        JakartaShadowRequest wrapper = new JakartaShadowRequest(request, capture);
        capture.attach(wrapper, request.getHeader("content-length"), request.getHeader("transfer-encoding"),
                request.getProtocol());
        return wrapper;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (reader != null) throw new IllegalStateException("getReader() has already been called for this request");
        streamUsed = true;
        return tee();
    }

    /** A reader over the teed bytes, decoded like the container would (request encoding, else ISO-8859-1). */
    @Override
    public BufferedReader getReader() throws IOException {
        if (reader == null) {
            if (streamUsed) throw new IllegalStateException("getInputStream() has already been called for this request");
            String encoding = getCharacterEncoding();
            Charset charset;
            try {
                charset = Charset.forName(encoding == null ? "ISO-8859-1" : encoding);
            } catch (IllegalArgumentException e) {
                throw new UnsupportedEncodingException(encoding);
            }
            reader = new BufferedReader(new InputStreamReader(tee(), charset));
        }
        return reader;
    }

    private JakartaShadowInputStream tee() throws IOException {
        if (stream == null) stream = new JakartaShadowInputStream(super.getInputStream(), capture);
        return stream;
    }

    @Override
    public String getParameter(String name) {
        parametersRead = true;
        return super.getParameter(name);
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        parametersRead = true;
        return super.getParameterMap();
    }

    @Override
    public Enumeration<String> getParameterNames() {
        parametersRead = true;
        return super.getParameterNames();
    }

    @Override
    public String[] getParameterValues(String name) {
        parametersRead = true;
        return super.getParameterValues(name);
    }

    @Override
    public void primaryReturned() {
        try {
            if (original.isAsyncStarted()) {
                original.getAsyncContext().addListener(new JakartaShadowListener(this));
                return;
            }
        } catch (Throwable t) {
            // the async cycle already ended, or the container takes no listener now: the request is over
        }
        finish();
    }

    /** The request is over (its outermost call returned, or its async cycle completed): hand everything to the capture. */
    void finish() {
        if (finished) return;
        finished = true;
        try {
            HttpServletRequest request = original;
            boolean streamFinished = stream != null && stream.finishedQuietly();
            boolean formParsed = parametersRead && capture.bytesRead() == 0 && FormBody.isForm(request.getContentType());
            byte[] form = null;
            if (formParsed && request.getAttribute(TOMCAT_PARSE_FAILED) == null) {
                form = FormBody.encode(request.getParameterMap(), request.getQueryString(),
                        FormBody.charset(request.getCharacterEncoding(), request.getClass().getName()));
            }
            for (Enumeration<String> names = request.getHeaderNames(); names != null && names.hasMoreElements(); ) {
                String name = names.nextElement();
                for (Enumeration<String> values = request.getHeaders(name); values != null && values.hasMoreElements(); ) {
                    capture.header(name, values.nextElement());
                }
            }
            String fallbackHost = request.getHeader("host") == null ? request.getServerName() + ":" + request.getServerPort() : null;
            capture.complete(request.getMethod(), request.getRequestURI(), request.getQueryString(), fallbackHost,
                    streamFinished, formParsed, form);
        } catch (Throwable t) {
            capture.abandon("the copy could not be built", t);
        }
    }
}
