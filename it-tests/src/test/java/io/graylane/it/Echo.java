package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reading the sample apps' echo JSON ({@code {"service":..,"headers":{name:[values]},"downstream":{..}}}),
 * with assertion messages that say what was expected and show the JSON received.
 */
final class Echo {

    private Echo() {
    }

    /** Asserts a 200 JSON answer and returns what the next hop echoed ({@code downstream}). */
    static JsonNode downstream(Http.Response response) {
        return downstream(ok(response), response);
    }

    /** The {@code downstream} object of {@code echo}, which must be present. */
    static JsonNode downstream(JsonNode echo, Http.Response whole) {
        JsonNode downstream = echo.get("downstream");
        if (downstream == null || !downstream.isObject()) {
            fail("expected a \"downstream\" object (what the next service received) in " + echo
                    + "\nwhole answer: " + whole);
        }
        return downstream;
    }

    static JsonNode ok(Http.Response response) {
        assertEquals(200, response.status(), () -> "expected status 200 from " + response);
        return response.json();
    }

    /** The values {@code echo} shows for header {@code name} (empty when the header was not received). */
    static List<String> values(JsonNode echo, String name) {
        List<String> values = new ArrayList<>();
        JsonNode headers = echo.get("headers");
        if (headers == null || !headers.isObject()) {
            fail("expected a \"headers\" object in " + echo);
        }
        JsonNode node = headers.get(name.toLowerCase(Locale.ROOT));
        if (node == null || node.isNull()) {
            return values;
        }
        if (!node.isArray()) {
            fail("expected header " + name + " as a JSON array of values in " + echo);
        }
        node.forEach(value -> values.add(value.asText()));
        return values;
    }

    /** {@code echo}'s service received header {@code name} exactly once, with exactly {@code expected}. */
    static void assertHeaderOnce(JsonNode echo, String name, String expected, Http.Response whole) {
        List<String> values = values(echo, name);
        assertEquals(List.of(expected), values, () -> "expected " + service(echo) + " to receive " + name + ": "
                + expected + " exactly once, got " + values + "\nJSON received: " + whole);
    }

    /** {@code echo}'s service did not receive header {@code name} at all. */
    static void assertHeaderAbsent(JsonNode echo, String name, Http.Response whole) {
        List<String> values = values(echo, name);
        assertTrue(values.isEmpty(), () -> "expected " + service(echo) + " to receive no " + name
                + " header, got " + values + "\nJSON received: " + whole);
    }

    static void assertField(JsonNode echo, String field, String expected, Http.Response whole) {
        JsonNode node = echo.get(field);
        assertEquals(expected, node == null ? null : node.asText(),
                () -> "expected \"" + field + "\": \"" + expected + "\"\nJSON received: " + whole);
    }

    private static String service(JsonNode echo) {
        JsonNode service = echo.get("service");
        return service == null ? "the service" : "the " + service.asText();
    }
}
