package io.graylane.samples;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends two requests into a running chain and prints, hop by hop, the label and trace ids each
 * service received: {@code java -cp graylane-front.jar io.graylane.samples.DemoClient FRONT_URL CLIENT}.
 */
public final class DemoClient {

    private DemoClient() {
    }

    public static void main(String[] args) throws Exception {
        String front = args[0].replaceAll("/+$", "");
        String client = args.length > 1 ? args[1] : "okhttp";
        HttpClient http = HttpClient.newHttpClient();
        if (client.equals("mirror")) {
            mirror(http, front);
            return;
        }
        if (client.startsWith("grpc")) {
            awaitChain(http, front + "/call/" + client);
        }
        show(http, front + "/call/" + client, "dev-x", "demo-req-1");
        show(http, front + "/call/" + client, null, "demo-req-2");
    }

    /**
     * Waits (at most 30 s) until a request through the chain comes back without an error anywhere: a consumer that
     * finds its provider through a registry gets the provider list a moment after it started.
     */
    private static void awaitChain(HttpClient http, String url) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() - deadline < 0) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 200 && !answer.body().contains("\"error\"")) {
                return;
            }
            Thread.sleep(250);
        }
    }

    private static void show(HttpClient http, String url, String label, String requestId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("x-request-id", requestId)
                .header("traceparent", "00-" + hex(32) + "-" + hex(16) + "-01");
        if (label != null) request.header("x-asm-traffic-tag", label);
        System.out.printf("%nGET %s  (sent x-asm-traffic-tag=%s, x-request-id=%s)%n", url, label == null ? "-" : label, requestId);
        String body = http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
        Object hop = new Reader(body).value();
        for (int n = 1; hop instanceof Map; n++) {
            Map<?, ?> json = (Map<?, ?>) hop;
            if (json.containsKey("error")) {
                System.out.printf("  hop %d failed: %s%n", n, json.get("error"));
                break;
            }
            Map<?, ?> headers = (Map<?, ?>) json.get("headers");
            System.out.printf("  hop %d %-8s saw x-asm-traffic-tag=%-10s x-request-id=%-11s traceparent=%s%n", n,
                    json.get("service"), first(headers, "x-asm-traffic-tag"), first(headers, "x-request-id"),
                    first(headers, "traceparent"));
            hop = json.get("downstream");
        }
    }

    /** The mirror scenario: requests to v1, whose copies go to v2 (demo.sh prints what v2 received). */
    private static void mirror(HttpClient http, String front) throws Exception {
        String url = front + "/call/okhttp";
        System.out.printf("%nGET %s  (x-asm-traffic-tag=dev-x, x-request-id=demo-mirror-1)%n", url);
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(url)).header("x-request-id", "demo-mirror-1")
                .header("x-asm-traffic-tag", "dev-x").build(), HttpResponse.BodyHandlers.ofString());
        System.out.printf("  v1 answered %d%n", get.statusCode());

        String body = "{\"order\":\"demo-42\",\"items\":[\"tea\",\"cake\"]}";
        url = front + "/body";
        System.out.printf("%nPOST %s  (%d body bytes, x-request-id=demo-mirror-2)%n", url, body.length());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(url)).header("x-request-id", "demo-mirror-2")
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.printf("  v1 answered %d %s%n", post.statusCode(), post.body());

        url = front + "/ignore-body";
        System.out.printf("%nPOST %s  (the application does not read the body: no copy, counted as skipped)%n", url);
        HttpResponse<String> ignored = http.send(HttpRequest.newBuilder(URI.create(url)).header("x-request-id", "demo-mirror-3")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.printf("  v1 answered %d%n", ignored.statusCode());

        url = front + "/orders";
        System.out.printf("%nPOST %s  (x-request-id=demo-mirror-4: SQL on the orders database, a GET and a POST to the backend)%n",
                url);
        HttpResponse<String> order = http.send(HttpRequest.newBuilder(URI.create(url)).header("x-request-id", "demo-mirror-4")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.printf("  v1 answered %d %s%n", order.statusCode(), order.body());
    }

    private static String hex(int digits) {
        StringBuilder out = new StringBuilder(digits);
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < digits; i++) out.append(Character.forDigit(random.nextInt(16), 16));
        return out.toString();
    }

    private static String first(Map<?, ?> headers, String name) {
        Object values = headers == null ? null : headers.get(name);
        return values instanceof List && !((List<?>) values).isEmpty() ? String.valueOf(((List<?>) values).get(0)) : "-";
    }

    /** A minimal JSON reader for the sample apps' own output: objects, arrays, strings. */
    private static final class Reader {
        private static final String[] LITERALS = {"null", "true", "false"};

        private final String s;
        private int i;

        Reader(String s) {
            this.s = s;
        }

        Object value() {
            skipSpace();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> map = new LinkedHashMap<>();
                i++;
                while (peek() != '}') {
                    String key = string();
                    expect(':');
                    map.put(key, value());
                    if (peek() == ',') i++;
                }
                i++;
                return map;
            }
            if (c == '[') {
                List<Object> list = new ArrayList<>();
                i++;
                while (peek() != ']') {
                    list.add(value());
                    if (peek() == ',') i++;
                }
                i++;
                return list;
            }
            if (c == '"') return string();
            for (String literal : LITERALS) { // null, true, false: as text
                if (s.startsWith(literal, i)) {
                    i += literal.length();
                    return literal.equals("null") ? null : literal;
                }
            }
            if (c == '-' || (c >= '0' && c <= '9')) { // a number: as text
                int start = i;
                while (i < s.length() && "+-.eE0123456789".indexOf(s.charAt(i)) >= 0) i++;
                return s.substring(start, i);
            }
            throw new IllegalArgumentException("unexpected '" + c + "' at " + i + " in " + s);
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            for (char c = s.charAt(i++); c != '"'; c = s.charAt(i++)) {
                if (c == '\\') {
                    char e = s.charAt(i++);
                    if (e == 'u') {
                        out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    } else {
                        out.append(e);
                    }
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }

        private char peek() {
            skipSpace();
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) throw new IllegalArgumentException("expected '" + c + "' at " + i + " in " + s);
            i++;
        }

        private void skipSpace() {
            while (Character.isWhitespace(s.charAt(i))) i++;
        }
    }
}
