package io.graylane.otel;

import org.junit.jupiter.api.Test;

import java.net.HttpURLConnection;
import java.net.URL;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class CarrierHeadersTest {

    @Test
    void mapsAreReadWhateverTheCaseAndValueType() {
        Map<String, List<String>> lists = new HashMap<>();
        lists.put("X-Request-Id", Arrays.asList("r-1", "r-2"));
        lists.put("empty", Collections.<String>emptyList());
        assertEquals("r-1", CarrierHeaders.get(lists, "x-request-id"));
        assertEquals(CarrierHeaders.PRESENT, CarrierHeaders.get(lists, "empty"));
        assertNull(CarrierHeaders.get(lists, "x-asm-traffic-tag"));
        assertEquals("v", CarrierHeaders.get(Collections.singletonMap("K", "v"), "k"));
    }

    @Test
    void httpUrlConnectionIsReadBeforeItConnects() throws Exception {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:9/").openConnection();
        connection.setRequestProperty("X-Request-Id", "r-1");
        assertEquals("r-1", CarrierHeaders.get(connection, "x-request-id"));
        assertNull(CarrierHeaders.get(connection, "traceparent"));
    }

    /** Like an instrumentation's own carrier that wraps the library's request. */
    static final class Wrapper {
        private static final Object IGNORED = new Object();
        private final String name = "w";
        private final HttpURLConnection delegate;

        Wrapper(HttpURLConnection delegate) {
            this.delegate = delegate;
        }
    }

    @Test
    void aCarrierWrappingAKnownRequestIsReadThroughIt() throws Exception {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:9/").openConnection();
        connection.setRequestProperty("x-asm-traffic-tag", "app-set");
        assertEquals("app-set", CarrierHeaders.get(new Wrapper(connection), "x-asm-traffic-tag"));
    }

    @Test
    void anUnknownCarrierCannotBeRead() {
        assertNull(CarrierHeaders.get(new StringBuilder("x-request-id: r-1"), "x-request-id"));
        assertNull(CarrierHeaders.get(null, "x-request-id"));
    }
}
