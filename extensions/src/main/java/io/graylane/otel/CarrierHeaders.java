package io.graylane.otel;

import io.graylane.core.log.Log;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URLConnection;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads a header an outbound request already has, so that what the application set itself wins:
 * OpenTelemetry hands a propagator a carrier and a write-only {@code TextMapSetter}, and most
 * instrumentations' setters replace a value (gRPC's adds a second one). This knows the carriers of
 * the instrumentations graylane is tested with, by type name, and reads them with their own public
 * API where there is one:
 * <ul>
 *   <li>{@code HttpURLConnection}: {@code getRequestProperty};</li>
 *   <li>a {@code Map} of headers (java.net.http): case-insensitive key;</li>
 *   <li>Apache HttpClient 4 and 5 requests: {@code getFirstHeader};</li>
 *   <li>OkHttp 3, 4, 5 {@code Request.Builder}: its header builder ({@code getHeaders$okhttp()},
 *   or the {@code headers} field on OkHttp 3);</li>
 *   <li>gRPC {@code Metadata}: {@code keys()} (presence only).</li>
 * </ul>
 * A carrier of the instrumentation's own that holds one of these in a field (Apache HttpClient 4's
 * {@code ApacheHttpClientRequest}) is read through that field. Any other carrier cannot be read:
 * {@link #get} answers null and the instrumentation's setter decides.
 */
final class CarrierHeaders {

    /** The carrier has the header, but its value cannot be read (or the request can no longer take headers). */
    static final String PRESENT = "";

    private static final Reader CANNOT_READ = new Reader() {
        @Override
        String get(Object carrier, String name) {
            return null;
        }
    };

    private static final ClassValue<Reader> READERS = new ClassValue<Reader>() {
        @Override
        protected Reader computeValue(Class<?> type) {
            return readerFor(type);
        }
    };

    private CarrierHeaders() {}

    /** The carrier's value of header {@code name} (lower case): null when absent or when the carrier cannot be read. */
    static String get(Object carrier, String name) {
        if (carrier == null) return null;
        if (carrier instanceof Map) return fromMap((Map<?, ?>) carrier, name);
        try {
            return READERS.get(carrier.getClass()).get(carrier, name);
        } catch (Exception | LinkageError e) {
            if (Log.isDebug()) Log.debug("cannot read header " + name + " of a " + carrier.getClass().getName() + ": " + e);
            return null;
        }
    }

    private static String fromMap(Map<?, ?> headers, String name) {
        for (Map.Entry<?, ?> entry : headers.entrySet()) {
            Object key = entry.getKey();
            if (key instanceof String && ((String) key).equalsIgnoreCase(name)) return first(entry.getValue());
        }
        return null;
    }

    private static String first(Object value) {
        if (value instanceof Collection) {
            Iterator<?> values = ((Collection<?>) value).iterator();
            value = values.hasNext() ? values.next() : null;
        }
        return value == null ? PRESENT : value.toString();
    }

    private static Reader readerFor(Class<?> type) {
        try {
            Reader reader = direct(type);
            if (reader == null) reader = unwrapping(type);
            if (reader != null) return reader;
            if (Log.isDebug()) Log.debug("cannot read the headers of a " + type.getName() + ": its instrumentation's setter decides");
        } catch (Exception | LinkageError e) {
            Log.warn("cannot read the headers of a " + type.getName() + " (" + e + "): headers the application sets on"
                    + " such requests may be replaced by graylane's");
        }
        return CANNOT_READ;
    }

    /** A reader for a request type graylane knows, or null. */
    private static Reader direct(Class<?> type) throws Exception {
        if (URLConnection.class.isAssignableFrom(type)) return URL_CONNECTION;

        Class<?> apache = supertype(type, "org.apache.http.HttpMessage");
        if (apache == null) apache = supertype(type, "org.apache.hc.core5.http.MessageHeaders");
        if (apache != null) return new FirstHeaderReader(apache.getMethod("getFirstHeader", String.class));

        Class<?> okHttpBuilder = supertype(type, "okhttp3.Request$Builder");
        if (okHttpBuilder != null) return OkHttpBuilderReader.of(okHttpBuilder);

        Class<?> grpcMetadata = supertype(type, "io.grpc.Metadata");
        if (grpcMetadata != null) return new KeysReader(grpcMetadata.getMethod("keys"));
        return null;
    }

    /**
     * Some instrumentations wrap the library's request in a carrier of their own (Apache HttpClient 4's
     * {@code ApacheHttpClientRequest}): read the request it holds in a field of a type graylane knows.
     */
    private static Reader unwrapping(Class<?> type) throws Exception {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) || field.getType().isPrimitive()) continue;
                Reader inner = direct(field.getType());
                if (inner != null) {
                    field.setAccessible(true);
                    return new UnwrappingReader(field, inner);
                }
            }
        }
        return null;
    }

    /** {@code type} itself or the superclass or interface of it named {@code name}, or null. */
    private static Class<?> supertype(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(name)) return c;
            for (Class<?> i : c.getInterfaces()) {
                Class<?> found = supertype(i, name);
                if (found != null) return found;
            }
        }
        return null;
    }

    private abstract static class Reader {
        abstract String get(Object carrier, String name) throws Exception;
    }

    private static final Reader URL_CONNECTION = new Reader() {
        @Override
        String get(Object carrier, String name) {
            try {
                return ((URLConnection) carrier).getRequestProperty(name);
            } catch (IllegalStateException connected) {
                return PRESENT; // too late to add headers: a setter would throw
            }
        }
    };

    private static final class UnwrappingReader extends Reader {
        private final Field request;
        private final Reader reader;

        UnwrappingReader(Field request, Reader reader) {
            this.request = request;
            this.reader = reader;
        }

        @Override
        String get(Object carrier, String name) throws Exception {
            Object inner = request.get(carrier);
            return inner == null ? null : reader.get(inner, name);
        }
    }

    /** Apache HttpClient: {@code Header getFirstHeader(String)}, then {@code getValue()}. */
    private static final class FirstHeaderReader extends Reader {
        private final Method firstHeader;
        private final Method value;

        FirstHeaderReader(Method firstHeader) throws NoSuchMethodException {
            this.firstHeader = firstHeader;
            this.value = firstHeader.getReturnType().getMethod("getValue");
        }

        @Override
        String get(Object carrier, String name) throws Exception {
            Object header = firstHeader.invoke(carrier, name);
            return header == null ? null : first(value.invoke(header));
        }
    }

    /** OkHttp {@code Request.Builder}: its {@code Headers.Builder}, whose {@code get(String)} is public. */
    private static final class OkHttpBuilderReader extends Reader {
        private final Method headersMethod;
        private final Field headersField;
        private final Method get;

        private OkHttpBuilderReader(Method headersMethod, Field headersField, Method get) {
            this.headersMethod = headersMethod;
            this.headersField = headersField;
            this.get = get;
        }

        static OkHttpBuilderReader of(Class<?> builder) throws Exception {
            try {
                Method headers = builder.getMethod("getHeaders$okhttp"); // OkHttp 4 and 5 (Kotlin 'internal')
                return new OkHttpBuilderReader(headers, null, headers.getReturnType().getMethod("get", String.class));
            } catch (NoSuchMethodException okHttp3) {
                Field headers = builder.getDeclaredField("headers");
                headers.setAccessible(true);
                return new OkHttpBuilderReader(null, headers, headers.getType().getMethod("get", String.class));
            }
        }

        @Override
        String get(Object carrier, String name) throws Exception {
            Object headers = headersMethod != null ? headersMethod.invoke(carrier) : headersField.get(carrier);
            return headers == null ? null : (String) get.invoke(headers, name);
        }
    }

    /** gRPC {@code Metadata}: {@code keys()} lists the (lower-case) keys; values need typed keys, so presence only. */
    private static final class KeysReader extends Reader {
        private final Method keys;

        KeysReader(Method keys) {
            this.keys = keys;
        }

        @Override
        String get(Object carrier, String name) throws Exception {
            Object names = keys.invoke(carrier);
            return names instanceof Collection && ((Collection<?>) names).contains(name) ? PRESENT : null;
        }
    }
}
