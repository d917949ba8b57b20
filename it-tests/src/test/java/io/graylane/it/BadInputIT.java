package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.InternalMetadata;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input at every inbound hop: generated label and trace header values (CR/LF, control characters, non-ASCII,
 * 64 KiB, empty, repeated headers, malformed traceparent, baggage and b3, and valid values among them) sent to
 * <ul>
 *   <li>the front (Jetty 12 servlet, agent) over raw HTTP/1.1 sockets, which calls the backend over HTTP; the same
 *       bytes also go to a front WITHOUT the agent, whose answers they must match;</li>
 *   <li>reviews (gRPC, agent) as gRPC metadata with raw byte values, which calls ratings over Dubbo;</li>
 *   <li>ratings (Dubbo, agent) as attachments set on RpcContext by a generating client, which calls the backend.</li>
 * </ul>
 * Every hop after the injected one must receive exactly what the test's own oracle ({@link BadInput}) expects from
 * what the injected application received: the label if valid (else the injected service's lane), each trace header
 * verbatim if a safe value, nothing else. The seed is printed; {@code -Dgraylane.it.badinput.seed=N} replays a run,
 * {@code -Dgraylane.it.badinput.requests=N} changes the number of requests per protocol.
 */
@ExtendWith(JvmLogTail.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputIT {

    static final String FRONT_LANE = SampleApps.FRONT_LANE;
    static final String REVIEWS_LANE = "reviews-lane";
    static final String RATINGS_LANE = "ratings-lane";
    private static final int REQUESTS = Integer.getInteger("graylane.it.badinput.requests", 10_000);
    private static final long SEED = Long.getLong("graylane.it.badinput.seed", 20_240_614L);
    private static final int CLIENTS = 8;
    private static final int EXAMPLES = 10;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Five JVMs start at once, three with the agent, on a machine the rest of the suite shares. */
    private static final Duration STARTUP = Duration.ofSeconds(90);
    /** Every name the check looks at on each hop. */
    private static final List<String> TRACKED = tracked();

    private static AgentJvm backend;
    private static AgentJvm ratings;
    private static AgentJvm reviews;
    private static AgentJvm front;
    private static AgentJvm plainFront;

    @BeforeAll
    static void startServices() {
        System.out.println("[bad input] seed " + SEED + " (replay: -Dgraylane.it.badinput.seed=" + SEED + "), "
                + REQUESTS + " requests per protocol");
        AgentJvm.Builder backendBuilder = SampleApps.backend("badinput-backend", null).withAgent(false)
                .startupTimeout(STARTUP);
        AgentJvm.Builder ratingsBuilder = SampleApps.ratings("badinput-ratings", backendBuilder.baseUrl(), "dubbo", null)
                .withAgent(true).env("ASM_TRAFFIC_TAG", RATINGS_LANE).startupTimeout(STARTUP);
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder, ratingsBuilder);
        backend = started.get(0);
        ratings = started.get(1);
        AgentJvm.Builder reviewsBuilder = SampleApps.reviewsDubbo("badinput-reviews",
                SampleApps.directUrl("dubbo", ratingsBuilder)).withAgent(true).env("ASM_TRAFFIC_TAG", REVIEWS_LANE)
                .startupTimeout(STARTUP);
        AgentJvm.Builder frontBuilder = SampleApps.front("badinput-front", backend.baseUrl()).withAgent(true)
                .env("ASM_TRAFFIC_TAG", FRONT_LANE).startupTimeout(STARTUP);
        AgentJvm.Builder plainBuilder = SampleApps.front("badinput-front-no-agent", backend.baseUrl()).withAgent(false)
                .env("ASM_TRAFFIC_TAG", FRONT_LANE).startupTimeout(STARTUP);
        started = AgentJvm.startAll(reviewsBuilder, frontBuilder, plainBuilder);
        reviews = started.get(0);
        front = started.get(1);
        plainFront = started.get(2);
    }

    @AfterAll
    static void stopServices() {
        AgentJvm.closeAll(plainFront, front, reviews, ratings, backend);
    }

    // ---- HTTP: the front ----

    @Test
    @Order(1)
    void httpFrontForwardsExactlyTheValidValues() throws Exception {
        BadInput input = new BadInput(SEED, BadInput.Transport.HTTP);
        List<BadInput.Request> requests = generate(input);
        Tally tally = new Tally("HTTP (servlet: the Jetty 12 front)", FRONT_LANE);
        long start = System.nanoTime();
        AtomicInteger resent = new AtomicInteger();
        List<String[]> answers = inParallel(requests.size(), () -> new RawHttp[] {
                new RawHttp(front.port(), resent), new RawHttp(plainFront.port(), resent)}, (clients, i) -> {
            byte[] bytes = RawHttp.request("/call/java-http", requests.get(i).headers());
            RawHttp.Answer withAgent = clients[0].exchange(bytes);
            RawHttp.Answer without = clients[1].exchange(bytes);
            String firstTry = null;
            if (withAgent.status() != without.status()) {
                // the agent answers one request the same way each time; a difference that a new connection to each
                // front does not repeat is connection state (counted, shown and bounded in the report)
                firstTry = "status " + withAgent.status() + " with the agent, " + without.status() + " without"
                        + " (connections kept alive: " + withAgent.reused() + ", " + without.reused() + "); with: "
                        + abbreviate(withAgent.body()) + "; without: " + abbreviate(without.body());
                withAgent = RawHttp.once(front.port(), bytes);
                without = RawHttp.once(plainFront.port(), bytes);
            }
            return new String[] {Integer.toString(withAgent.status()), withAgent.body(),
                    Integer.toString(without.status()), without.body(), firstTry};
        }, clients -> {
            for (RawHttp c : clients) c.close();
        });
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        tally.resent = resent.get();

        for (int i = 0; i < requests.size(); i++) {
            BadInput.Request request = requests.get(i);
            String[] answer = answers.get(i);
            tally.sent++;
            int status = Integer.parseInt(answer[0]);
            int plainStatus = Integer.parseInt(answer[2]);
            if (answer[4] != null) tally.askedAgain(request, answer[4]);
            if (status != plainStatus) {
                tally.mismatch(request, "status " + status + " with the agent, " + plainStatus + " without, on new"
                        + " connections too; first try: " + answer[4] + "; second, with: " + abbreviate(answer[1])
                        + "; without: " + abbreviate(answer[3]));
                continue;
            }
            if (status != 200) {
                tally.refused("HTTP " + status);
                continue;
            }
            JsonNode answered = JSON.readTree(answer[1]);
            Map<String, List<String>> received = headers(answered);
            Map<String, List<String>> receivedWithout = headers(JSON.readTree(answer[3]));
            if (!received.equals(receivedWithout)) {
                tally.mismatch(request, "the application saw " + received + " with the agent, " + receivedWithout
                        + " without");
                continue;
            }
            tally.transportChanged(request, received);
            BadInput.Expected expected = BadInput.expect(received, BadInput.Transport.HTTP, FRONT_LANE);
            tally.check(request, expected, List.of(downstream(answered, "backend")));
        }
        tally.report(millis);
    }

    // ---- gRPC: reviews ----

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    /** Reviews/Get with hand-encoded protobuf: request field 1 (string product), reply field 1 (string json). */
    private static final MethodDescriptor<byte[], byte[]> REVIEWS_GET = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("graylane.samples.Reviews/Get")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    /** Sends a value's bytes as they are: the raw octets, not gRPC's ASCII-checked form. */
    private static final InternalMetadata.TrustedAsciiMarshaller<byte[]> RAW = new InternalMetadata.TrustedAsciiMarshaller<>() {
        @Override
        public byte[] toAsciiString(byte[] value) {
            return value;
        }

        @Override
        public byte[] parseAsciiString(byte[] serialized) {
            return serialized;
        }
    };

    @Test
    @Order(2)
    void grpcReviewsForwardsExactlyTheValidValues() throws Exception {
        BadInput input = new BadInput(SEED + 1, BadInput.Transport.GRPC);
        List<BadInput.Request> requests = generate(input);
        Tally tally = new Tally("gRPC (reviews)", REVIEWS_LANE);
        ManagedChannel channel = ManagedChannelBuilder.forTarget(reviews.address()).usePlaintext().build();
        long start = System.nanoTime();
        List<String[]> answers;
        try {
            answers = inParallel(requests.size(), () -> null, (ignored, i) -> {
                Metadata metadata = new Metadata();
                for (String[] header : requests.get(i).headers()) {
                    metadata.put(InternalMetadata.keyOf(header[0], RAW), header[1].getBytes(StandardCharsets.UTF_8));
                }
                try {
                    byte[] reply = ClientCalls.blockingUnaryCall(
                            ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata)),
                            REVIEWS_GET, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                            new byte[] {0x0a, 0x03, 'b', 'a', 'd'});
                    return new String[] {"OK", protobufString(reply)};
                } catch (StatusRuntimeException e) {
                    return new String[] {e.getStatus().getCode().toString(), String.valueOf(e.getStatus().getDescription())};
                }
            }, ignored -> { });
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        for (int i = 0; i < requests.size(); i++) {
            BadInput.Request request = requests.get(i);
            String[] answer = answers.get(i);
            tally.sent++;
            if (!answer[0].equals("OK")) {
                tally.mismatch(request, "gRPC status " + answer[0] + ": " + abbreviate(answer[1]));
                continue;
            }
            JsonNode answered = JSON.readTree(answer[1]);
            Map<String, List<String>> received = headers(answered);
            received.keySet().retainAll(TRACKED);
            // gRPC's receiving side leaves out a metadata value that is not printable ASCII (0x20-0x7e)
            Map<String, List<String>> sent = sentAs(request, value -> isPrintableAscii(value) ? value : null);
            if (!received.equals(sent)) {
                tally.mismatch(request, "the application received " + received + ", expected " + sent);
                continue;
            }
            tally.transportChanged(request, received);
            BadInput.Expected expected = BadInput.expect(received, BadInput.Transport.GRPC, REVIEWS_LANE);
            JsonNode ratingsHop = downstream(answered, "ratings");
            tally.check(request, expected, List.of(ratingsHop, downstream(ratingsHop, "backend")));
        }
        tally.report(millis);
    }

    /** The string of a message whose only field is field 1, a string (ReviewsReply). */
    private static String protobufString(byte[] message) {
        if (message.length == 0) return "";
        int i = 1; // tag 0x0a
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = message[i++];
            length |= (b & 0x7f) << shift;
            if (b >= 0) break;
        }
        return new String(message, i, length, StandardCharsets.UTF_8);
    }

    // ---- Dubbo: ratings ----

    @Test
    @Order(3)
    void dubboRatingsForwardsExactlyTheValidValues() throws Exception {
        BadInput input = new BadInput(SEED + 2, BadInput.Transport.DUBBO);
        List<BadInput.Request> requests = generate(input);
        Tally tally = new Tally("Dubbo (ratings)", RATINGS_LANE);
        Path dir = Files.createDirectories(Artifacts.logDir());
        Path in = dir.resolve("badinput-dubbo-calls.txt");
        Path out = dir.resolve("badinput-dubbo-answers.txt");
        Files.deleteIfExists(out);
        List<String> lines = new ArrayList<>();
        for (BadInput.Request request : requests) {
            StringBuilder line = new StringBuilder().append(request.id());
            for (String[] header : request.headers()) {
                line.append('\t').append(header[0]).append('=')
                        .append(Base64.getEncoder().encodeToString(header[1].getBytes(StandardCharsets.UTF_8)));
            }
            lines.add(line.toString());
        }
        Files.write(in, lines, StandardCharsets.UTF_8);

        long start = System.nanoTime();
        AgentJvm client = AgentJvm.classpathBuilder("badinput-attachments-client", List.of(Artifacts.ratingsJar()),
                        "io.graylane.samples.AttachmentsClient")
                .withAgent(false)
                .readyWhenLogShows("[attachments-client] done ")
                .startupTimeout(Duration.ofMinutes(5))
                .args("dubbo://" + ratings.address(), in.toString(), out.toString(), Integer.toString(CLIENTS))
                .start();
        client.close();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        Map<Integer, String[]> answers = new TreeMap<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            answers.put(Integer.parseInt(f[0]),
                    new String[] {f[1], new String(Base64.getDecoder().decode(f[2]), StandardCharsets.UTF_8)});
        }
        for (BadInput.Request request : requests) {
            tally.sent++;
            String[] answer = answers.get(request.id());
            if (answer == null || !answer[0].equals("ok")) {
                tally.mismatch(request, answer == null ? "no answer" : abbreviate(answer[1]));
                continue;
            }
            JsonNode answered = JSON.readTree(answer[1]);
            Map<String, List<String>> received = headers(answered);
            received.keySet().retainAll(TRACKED);
            Map<String, List<String>> sent = sentAs(request, value -> value);
            if (!received.equals(sent)) {
                tally.mismatch(request, "the application received " + received + ", expected " + sent);
                continue;
            }
            BadInput.Expected expected = BadInput.expect(received, BadInput.Transport.DUBBO, RATINGS_LANE);
            tally.check(request, expected, List.of(downstream(answered, "backend")));
        }
        tally.report(millis);
    }

    // ---- graylane's own lines ----

    /** After the protocol tests: whatever they sent, each agent printed its start-up line and one warning at most. */
    @Test
    @Order(4)
    void graylaneLogsNothingButItsStartupLineAndTheOnceOnlyRejectionWarning() {
        for (AgentJvm jvm : List.of(front, reviews, ratings)) {
            List<String> lines = jvm.logLines().stream().filter(line -> line.contains("graylane")
                    && (line.startsWith("[graylane]") || line.contains("io.graylane"))).toList();
            List<String> unexpected = new ArrayList<>();
            int startup = 0;
            int rejected = 0;
            for (String line : lines) {
                if (line.startsWith("[graylane] graylane ") && line.contains("instrumentations ")) {
                    startup++;
                } else if (line.startsWith("[graylane]") && line.contains("rejected an inbound label")) {
                    rejected++;
                } else {
                    unexpected.add(line);
                }
            }
            assertEquals(List.of(), unexpected, "graylane lines in the log of " + jvm);
            assertEquals(1, startup, "start-up lines in the log of " + jvm + ": " + lines);
            assertTrue(rejected <= 1, "the rejection warning is shown once at most in " + jvm + ": " + lines);
        }
    }

    // ---- shared ----

    private static List<BadInput.Request> generate(BadInput input) {
        List<BadInput.Request> requests = new ArrayList<>(REQUESTS);
        for (int i = 0; i < REQUESTS; i++) requests.add(input.next(i));
        return requests;
    }

    interface Exchange<C> {
        String[] run(C client, int index) throws Exception;
    }

    interface Closer<C> {
        void close(C client) throws Exception;
    }

    /** Runs {@code exchange} for every index on {@link #CLIENTS} threads, each with its own client; answers in order. */
    private static <C> List<String[]> inParallel(int count, java.util.concurrent.Callable<C> newClient,
                                                 Exchange<C> exchange, Closer<C> closer) throws Exception {
        String[][] answers = new String[count][];
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < CLIENTS; t++) {
                workers.add(pool.submit(() -> {
                    C client = newClient.call();
                    try {
                        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                            answers[i] = exchange.run(client, i);
                        }
                    } finally {
                        closer.close(client);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) worker.get();
        } finally {
            pool.shutdownNow();
        }
        return List.of(answers);
    }

    /**
     * What the request sent, as the application is expected to see it: name -> values in order; {@code transport}
     * maps a value to what arrives, null when the transport leaves it out.
     */
    private static Map<String, List<String>> sentAs(BadInput.Request request, java.util.function.UnaryOperator<String> transport) {
        Map<String, List<String>> sent = new LinkedHashMap<>();
        for (String[] header : request.headers()) {
            String delivered = transport.apply(header[1]);
            if (delivered != null) sent.computeIfAbsent(header[0], name -> new ArrayList<>()).add(delivered);
        }
        return sent;
    }

    private static boolean isPrintableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < 0x20 || value.charAt(i) > 0x7e) return false;
        }
        return true;
    }

    /** HTTP/1.1 field values carry no leading or trailing space or tab (RFC 9110 5.5): a server drops them. */
    private static String withoutOws(String value) {
        int from = 0;
        int to = value.length();
        while (from < to && (value.charAt(from) == ' ' || value.charAt(from) == '\t')) from++;
        while (to > from && (value.charAt(to - 1) == ' ' || value.charAt(to - 1) == '\t')) to--;
        return value.substring(from, to);
    }

    /** A service's echo of what it received: lower-case name -> values. */
    private static Map<String, List<String>> headers(JsonNode echo) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        echo.path("headers").properties().forEach(field -> {
            List<String> values = new ArrayList<>();
            field.getValue().forEach(v -> values.add(v.asText()));
            headers.put(field.getKey(), values);
        });
        return headers;
    }

    private static JsonNode downstream(JsonNode echo, String service) {
        JsonNode next = echo.path("downstream");
        if (!service.equals(next.path("service").asText())) {
            throw new AssertionError("expected " + service + "'s answer under \"downstream\" in " + abbreviate(echo.toString()));
        }
        return next;
    }

    private static List<String> tracked() {
        List<String> names = new ArrayList<>(BadInput.TRACE_HEADERS);
        names.add(BadInput.LABEL);
        names.add("x-injected");
        return List.copyOf(names);
    }

    static String abbreviate(String s) {
        return s.length() <= 600 ? s : s.substring(0, 600) + "... (" + s.length() + " chars)";
    }

    /** Counts per protocol, what the oracle expects against what the hops received, and examples of mismatches. */
    static final class Tally {
        final String protocol;
        /** the injected service's own lane */
        final String lane;
        int sent;
        /** requests sent once more on a new connection: the kept-alive one had closed before any byte of an answer */
        int resent;
        /** requests whose two fronts answered with different statuses, asked once more on new connections */
        int askedAgain;
        final List<String> askedAgainExamples = new ArrayList<>();
        int answered;
        final Map<String, Integer> refused = new TreeMap<>();
        final Map<String, Integer> transportChanged = new TreeMap<>();
        int labelFromHeader;
        int labelFromBaggage;
        int labelLocal;
        int rejected;
        int tracePresent;
        int traceForwarded;
        int observedForwarded;
        int observedLabels;
        int expectedLabels;
        int mismatches;
        final List<String> examples = new ArrayList<>();

        Tally(String protocol, String lane) {
            this.protocol = protocol;
            this.lane = lane;
        }

        void refused(String why) {
            refused.merge(why, 1, Integer::sum);
        }

        void askedAgain(BadInput.Request request, String firstTry) {
            askedAgain++;
            if (askedAgainExamples.size() < EXAMPLES) {
                askedAgainExamples.add("request " + request.id() + " " + request.kinds() + ": " + firstTry);
            }
        }

        void mismatch(BadInput.Request request, String what) {
            mismatches++;
            if (examples.size() < EXAMPLES) examples.add("request " + request.id() + " " + request.kinds() + ": " + what);
        }

        /** Counts the requests the transport delivered other than sent (a header split, trimmed or re-decoded). */
        void transportChanged(BadInput.Request request, Map<String, List<String>> received) {
            for (int i = 0; i < request.headers().size(); i++) {
                String[] header = request.headers().get(i);
                List<String> values = received.getOrDefault(header[0], List.of());
                if (!values.contains(header[1])) transportChanged.merge(request.kinds().get(i), 1, Integer::sum);
            }
            if (received.containsKey("x-injected")) transportChanged.merge("x-injected header split off", 1, Integer::sum);
        }

        void check(BadInput.Request request, BadInput.Expected expected, List<JsonNode> hops) {
            answered++;
            switch (expected.from()) {
                case HEADER -> labelFromHeader++;
                case BAGGAGE -> labelFromBaggage++;
                default -> labelLocal++;
            }
            rejected += expected.rejected();
            tracePresent += expected.presentTraceValues();
            traceForwarded += expected.forwarded().size();
            if (expected.from() != BadInput.LabelFrom.LOCAL) expectedLabels++;
            for (int h = 0; h < hops.size(); h++) {
                JsonNode hop = hops.get(h);
                Map<String, List<String>> got = headers(hop);
                String service = hop.path("service").asText();
                // the backend is reached over HTTP/1.1, whose field values lose surrounding whitespace on the way
                boolean http = service.equals("backend");
                List<String> problems = new ArrayList<>();
                List<String> label = got.getOrDefault(BadInput.LABEL, List.of());
                if (!label.equals(List.of(expected.label()))) {
                    problems.add(BadInput.LABEL + " " + label + " instead of [" + expected.label() + "]");
                }
                for (String name : BadInput.TRACE_HEADERS) {
                    List<String> values = got.getOrDefault(name, List.of());
                    String want = expected.forwarded().get(name);
                    if (want != null && http) want = withoutOws(want);
                    boolean ok = want == null ? values.isEmpty() : values.equals(List.of(want));
                    if (!ok) problems.add(name + " " + shortList(values) + " instead of " + (want == null ? "nothing" : "[" + abbreviate(want) + "]"));
                }
                if (got.containsKey("x-injected")) problems.add("x-injected " + got.get("x-injected"));
                if (expected.baggageEntries() != null && !problems.isEmpty()) problems.add("(expected baggage entries "
                        + expected.baggageEntries() + ")");
                if (h == hops.size() - 1) {
                    for (String name : BadInput.TRACE_HEADERS) if (got.containsKey(name)) observedForwarded++;
                    if (!label.equals(List.of(lane))) observedLabels++;
                }
                if (!problems.isEmpty()) {
                    mismatch(request, service + " received " + problems);
                    return;
                }
            }
        }

        private static String shortList(List<String> values) {
            List<String> shown = new ArrayList<>();
            for (String v : values) shown.add(abbreviate(v.replace("\r", "\\r").replace("\n", "\\n")));
            return shown.toString();
        }

        void report(long millis) {
            String summary = String.format(Locale.ROOT, "[bad input] %s: seed %d, %d requests sent in %d ms%s%s; %d answered"
                            + " and checked, refused by the transport (with and without the agent alike): %s; labels:"
                            + " %d from the header, %d from baggage, %d rejected values, %d requests on the local lane;"
                            + " trace header values: %d received, %d forwarded, %d dropped (observed at the last hop: %d"
                            + " forwarded, %d labelled); values the transport delivered changed: %s; mismatches: %d",
                    protocol, SEED, sent, millis, resent == 0 ? "" : " (" + resent + " of them twice: a kept-alive"
                            + " connection closed before any answer)", askedAgain == 0 ? "" : " (" + askedAgain
                            + " asked again on new connections: the fronts' statuses differed)", answered, refused, labelFromHeader, labelFromBaggage, rejected,
                    labelLocal, tracePresent, traceForwarded, tracePresent - traceForwarded, observedForwarded,
                    observedLabels, transportChanged, mismatches);
            System.out.println(summary);
            for (String example : askedAgainExamples) System.out.println("[bad input] asked again: " + example);
            assertEquals(List.of(), examples, protocol + ": " + mismatches + " requests differ from the oracle (seed "
                    + SEED + "); first ones");
            assertEquals(traceForwarded, observedForwarded, summary);
            assertEquals(expectedLabels, observedLabels, summary);
            assertTrue(answered > sent / 2, "most requests must reach the application: " + summary);
            // a second try hides a connection closed at random, never one closed on purpose after many answers
            assertTrue(resent <= sent / 100, "kept-alive connections must stay open: " + summary);
            // one in a thousand: a front that answers differently by connection state, not by request, fails here
            assertTrue(askedAgain <= sent / 1000, "the fronts must answer alike on the first try: " + summary);
        }
    }

    /** HTTP/1.1 over one keep-alive socket, bytes exactly as given: header values the client libraries refuse too. */
    static final class RawHttp implements AutoCloseable {
        private final int port;
        /** requests sent once more, shared by the test's clients */
        private final AtomicInteger resent;
        private Socket socket;
        private InputStream in;

        RawHttp(int port, AtomicInteger resent) {
            this.port = port;
            this.resent = resent;
        }

        /** {@code reused}: sent on a connection kept alive from an earlier request. */
        record Answer(int status, String body, boolean reused) {
        }

        /** One request on a new connection, closed after the answer. */
        static Answer once(int port, byte[] request) throws IOException {
            try (RawHttp client = new RawHttp(port, new AtomicInteger())) {
                return client.exchange(request);
            }
        }

        static byte[] request(String path, List<String[]> headers) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String[] header : headers) {
                out.writeBytes(header[0].getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(": ".getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(header[1].getBytes(StandardCharsets.UTF_8));
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        }

        /**
         * Sends one request and reads its answer; status -1 when the server closed the connection without one. A
         * kept-alive connection the server closed before it read the request (no byte of an answer came back) gets the
         * request once more on a new connection, as HTTP clients do; a new connection gets no second try.
         */
        Answer exchange(byte[] request) throws IOException {
            boolean reused = socket != null;
            Answer answer = send(request);
            if (answer == null && reused) {
                resent.incrementAndGet();
                answer = send(request);
            }
            return answer != null ? answer : new Answer(-1, "closed without an answer", reused);
        }

        /** The answer, or null when the connection ended before any byte of one. */
        private Answer send(byte[] request) throws IOException {
            boolean reused = socket != null;
            if (socket == null) {
                socket = new Socket(InetAddress.getLoopbackAddress(), port);
                socket.setSoTimeout(30_000);
                socket.setTcpNoDelay(true);
                in = new java.io.BufferedInputStream(socket.getInputStream());
            }
            String statusLine;
            try {
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
                statusLine = line(in);
                while (statusLine != null && statusLine.isEmpty()) statusLine = line(in); // a stray CRLF before an answer
            } catch (IOException e) {
                closeSocket();
                return null;
            }
            if (statusLine == null) {
                closeSocket();
                return null;
            }
            try {
                return read(statusLine, in, reused);
            } catch (IOException e) {
                closeSocket();
                return new Answer(-1, e.toString(), reused);
            }
        }

        private Answer read(String statusLine, InputStream in, boolean reused) throws IOException {
            String[] parts = statusLine.split(" ");
            if (parts.length < 2 || !parts[1].matches("[0-9]{3}")) {
                closeSocket(); // out of step with the server: start over on a new connection
                return new Answer(-1, "not an HTTP status line: " + statusLine, reused);
            }
            int status = Integer.parseInt(parts[1]);
            int length = -1;
            boolean close = false;
            for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) length = Integer.parseInt(lower.substring(15).trim());
                if (lower.startsWith("connection:") && lower.contains("close")) close = true;
            }
            byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
            if (close || length < 0) closeSocket();
            return new Answer(status, new String(body, StandardCharsets.UTF_8), reused);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') return line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
                line.write(b);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
        }

        private void closeSocket() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // already gone
                }
                socket = null;
            }
        }

        @Override
        public void close() {
            closeSocket();
        }
    }
}
