package io.graylane.agent.instrumentation.grpc.helper;

import io.graylane.core.InboundRequest;
import io.graylane.core.TrafficContext;
import io.grpc.Metadata;

import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads and writes graylane's entries in gRPC {@code Metadata}. Names ending in {@code -bin} are binary keys:
 * their bytes travel inside graylane as base64 text, the form HTTP/2 carries them in, so a
 * {@code grpc-trace-bin} that arrives over HTTP or gRPC leaves over either unchanged. An injected helper
 * (see {@code HelperInjector}): one copy per class loader that holds gRPC.
 */
public final class GrpcMetadata {

    /** Keys by name, made once: names come from the configuration, so the map stays small. */
    private static final ConcurrentHashMap<String, Object> KEYS = new ConcurrentHashMap<>();
    /** Stands for a configured name that is no valid gRPC key (gRPC allows 0-9 a-z _ - .): never read or written. */
    private static final Object INVALID = new Object();

    private GrpcMetadata() {}

    /** Fills {@code in} with the request's values. */
    public static void read(Metadata headers, InboundRequest in) {
        for (int i = 0; i < in.size(); i++) in.set(i, get(headers, in.name(i)));
    }

    /** Adds each entry of {@code context} that {@code headers} lacks; what the application set stays. */
    public static void write(Metadata headers, TrafficContext context) {
        if (headers == null) return;
        for (int i = 0; context != null && i < context.lookups(); i++) {
            context = context.lookup(i, get(headers, context.lookupName(i)));
        }
        for (int i = 0; context != null && i < context.size(); i++) {
            Metadata.Key<?> key = key(context.name(i));
            if (key != null && !headers.containsKey(key)) put(headers, key, context.value(i));
        }
    }

    /** The last value of {@code name} (base64 for a binary key), or null. */
    static String get(Metadata headers, String name) {
        Metadata.Key<?> key = key(name);
        Object value = key == null ? null : headers.get(key);
        if (value instanceof byte[]) return Base64.getEncoder().encodeToString((byte[]) value);
        return (String) value;
    }

    @SuppressWarnings("unchecked")
    private static void put(Metadata headers, Metadata.Key<?> key, String value) {
        if (key.originalName().endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(value);
            } catch (IllegalArgumentException notBase64) {
                return; // cannot be a binary value: not forwarded
            }
            headers.put((Metadata.Key<byte[]>) key, bytes);
        } else {
            headers.put((Metadata.Key<String>) key, value);
        }
    }

    private static Metadata.Key<?> key(String name) {
        Object key = KEYS.get(name);
        if (key == null) {
            key = newKey(name);
            Object raced = KEYS.putIfAbsent(name, key);
            if (raced != null) key = raced;
        }
        return key == INVALID ? null : (Metadata.Key<?>) key;
    }

    private static Object newKey(String name) {
        try {
            return name.endsWith(Metadata.BINARY_HEADER_SUFFIX)
                    ? Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER)
                    : Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
        } catch (IllegalArgumentException invalidName) {
            return INVALID;
        }
    }
}
