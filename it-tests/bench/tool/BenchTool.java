import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

/**
 * The Java side of it-tests/bench/run.sh: what is awkward in bash. One subcommand per job:
 * <pre>
 * free-port                              a free loopback port
 * launch OPTIONS -- COMMAND...           start a service, time its first answered request, stay its parent until killed
 * sink --port P [--json]                 an HTTP server that answers 200 to anything and counts (the mirror target);
 *                                        with --json its answers carry a JSON body (mirror comparison reads it)
 * get URL                                print the body of GET URL
 * check --config C --traceparent T FILE  did the backend see what configuration C should forward?
 * jar-has JAR ENTRY                      exit 0 when the jar has that entry
 * report --results TSV --meta FILE --out MD
 * </pre>
 */
public final class BenchTool {

    private BenchTool() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) usage("no subcommand");
        List<String> rest = List.of(args).subList(1, args.length);
        int code = switch (args[0]) {
            case "free-port" -> freePort();
            case "launch" -> launch(rest);
            case "sink" -> sink(rest);
            case "get" -> get(rest);
            case "check" -> check(rest);
            case "jar-has" -> jarHas(rest);
            case "report" -> report(rest);
            default -> usage("unknown subcommand " + args[0]);
        };
        System.exit(code);
    }

    private static int usage(String problem) {
        System.err.println("BenchTool: " + problem + " (see the class comment for subcommands)");
        System.exit(2);
        return 2;
    }

    // ---- free-port ----

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            System.out.println(socket.getLocalPort());
        }
        return 0;
    }

    // ---- launch ----

    /**
     * {@code launch --log FILE --ready-file FILE --url URL [--header 'Name: value']... [--body-file FILE]
     * [--timeout SECONDS] -- COMMAND...}
     *
     * <p>Starts COMMAND (stderr to the log, stdout discarded: the sample apps print one access-log line per
     * request), then GETs URL every 5 ms until it answers 200. The time from just before the process was started
     * to that answer is written to the ready file ({@code pid=...} and {@code first_request_ms=...}, or
     * {@code error=...}). Then it stays the service's parent until it is terminated, and stops the service on the
     * way out, so the service never outlives the benchmark.
     */
    private static int launch(List<String> args) throws Exception {
        Path log = null;
        Path ready = null;
        Path bodyFile = null;
        String url = null;
        double timeoutSeconds = 120;
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> command = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--log" -> log = Path.of(args.get(++i));
                case "--ready-file" -> ready = Path.of(args.get(++i));
                case "--body-file" -> bodyFile = Path.of(args.get(++i));
                case "--url" -> url = args.get(++i);
                case "--timeout" -> timeoutSeconds = Double.parseDouble(args.get(++i));
                case "--header" -> {
                    String h = args.get(++i);
                    int colon = h.indexOf(':');
                    headers.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
                }
                case "--" -> {
                    command = args.subList(i + 1, args.size());
                    i = args.size();
                }
                default -> usage("launch: unknown option " + a);
            }
        }
        if (log == null || ready == null || url == null || command == null || command.isEmpty()) {
            return usage("launch needs --log, --ready-file, --url and -- COMMAND");
        }

        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(log.toFile());

        long start = System.nanoTime();
        Process process = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(process)));

        long deadline = start + (long) (timeoutSeconds * 1e9);
        String last = "no answer yet";
        while (true) {
            if (!process.isAlive()) {
                writeAtomically(ready, "error=exited with code " + process.exitValue() + " before " + url
                        + " answered 200 (last: " + last + "); its stdout was discarded, run it by hand to see it: "
                        + String.join(" ", command) + "\n");
                return 1;
            }
            try {
                Response r = httpGet(url, headers, 1000, 10_000);
                if (r.status == 200) {
                    double ms = (System.nanoTime() - start) / 1e6;
                    if (bodyFile != null) Files.writeString(bodyFile, r.body);
                    writeAtomically(ready, "pid=" + process.pid() + "\n"
                            + String.format(Locale.ROOT, "first_request_ms=%.1f%n", ms));
                    break;
                }
                last = "HTTP " + r.status + ": " + r.body.substring(0, Math.min(200, r.body.length()));
            } catch (IOException e) {
                last = e.toString();
            }
            if (System.nanoTime() - deadline > 0) {
                writeAtomically(ready, "error=" + url + " did not answer 200 within " + timeoutSeconds + " s (last: "
                        + last.replace('\n', ' ') + ")\n");
                return 1; // the shutdown hook stops the service
            }
            Thread.sleep(5);
        }
        process.waitFor(); // until run.sh terminates us (the hook stops the service) or the service exits
        return 0;
    }

    private static void stop(Process process) {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private record Response(int status, String body) {}

    private static Response httpGet(String url, Map<String, String> headers, int connectMillis, int readMillis)
            throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        try {
            c.setConnectTimeout(connectMillis);
            c.setReadTimeout(readMillis);
            c.setUseCaches(false);
            headers.forEach(c::setRequestProperty);
            int status = c.getResponseCode();
            InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
            String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Response(status, body);
        } finally {
            c.disconnect();
        }
    }

    // ---- sink, get ----

    /** The mirror target: answers 200 to every request and counts them; GET /__bench/count returns the count. */
    /**
     * {@code sink --port P}: the mirror target. One thread, non-blocking: reads requests (Content-Length bodies,
     * pipelined or not), counts each and answers {@code 200} with an empty body; {@code GET /__bench/count} answers
     * the count. A chunked request is answered 411 and its connection closed (copies always carry a Content-Length).
     * It stands in for a mirror target on another machine, so it is kept cheap: on a shared 2-core machine every
     * microsecond it spends is taken from the services being measured (its CPU per copy is reported).
     */
    private static int sink(List<String> args) throws IOException {
        boolean json = args.size() == 3 && args.get(2).equals("--json");
        if ((args.size() != 2 && !json) || !args.get(0).equals("--port")) return usage("sink --port PORT [--json]");
        long[] received = {0};
        try (ServerSocketChannel server = ServerSocketChannel.open(); Selector selector = Selector.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args.get(1))), 128);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (true) {
                selector.select();
                for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) continue;
                    if (key.isAcceptable()) {
                        SocketChannel client = server.accept();
                        if (client == null) continue;
                        client.configureBlocking(false);
                        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        client.register(selector, SelectionKey.OP_READ, new SinkConnection(received, json));
                        continue;
                    }
                    SinkConnection connection = (SinkConnection) key.attachment();
                    boolean open;
                    try {
                        open = connection.serve(key);
                    } catch (IOException e) {
                        open = false;
                    }
                    if (!open) {
                        key.cancel();
                        key.channel().close();
                    }
                }
            }
        }
    }

    /** One connection of the sink: a small HTTP/1.1 request parser that only needs where each request ends. */
    private static final class SinkConnection {
        private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        /** With --json: an answer shaped like the front's (about 700 bytes), for the comparison to parse and compare. */
        private static final byte[] JSON_OK;

        static {
            StringBuilder headers = new StringBuilder();
            for (String h : new String[]{"host", "user-agent", "accept", "x-asm-traffic-tag", "x-request-id", "traceparent",
                    "baggage", "x-graylane-mirror", "content-length", "connection"}) {
                headers.append(headers.length() == 0 ? "" : ",").append('"').append(h).append("\":\"value of ").append(h).append('"');
            }
            String body = "{\"service\":\"front\",\"client\":\"okhttp\",\"label\":\"dev-x\",\"downstream\":{\"service\":"
                    + "\"backend\",\"method\":\"GET\",\"path\":\"/echo\",\"headers\":{" + headers + "},\"bytes\":0,"
                    + "\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}}";
            byte[] b = body.getBytes(StandardCharsets.US_ASCII);
            byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            JSON_OK = new byte[head.length + b.length];
            System.arraycopy(head, 0, JSON_OK, 0, head.length);
            System.arraycopy(b, 0, JSON_OK, head.length, b.length);
        }
        private static final byte[] CHUNKED = ("HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close"
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        private static final int MAX_LINE = 16 * 1024;

        private final long[] received;
        private final boolean json;
        private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        private ByteBuffer out = ByteBuffer.allocate(4096).flip();
        private final StringBuilder line = new StringBuilder();
        private String requestLine;
        private long contentLength;
        private boolean chunked;
        private long bodyLeft = -1; // -1: in the head
        private boolean closing;

        SinkConnection(long[] received, boolean json) {
            this.received = received;
            this.json = json;
        }

        /** Reads what is there, answers every complete request; false when the connection is to be closed. */
        boolean serve(SelectionKey key) throws IOException {
            SocketChannel channel = (SocketChannel) key.channel();
            if (key.isReadable() && !closing) {
                in.clear();
                int n = channel.read(in);
                if (n < 0) return false;
                in.flip();
                while (in.hasRemaining() && !closing) parse();
            }
            if (out.hasRemaining()) channel.write(out);
            if (out.hasRemaining()) {
                key.interestOps(SelectionKey.OP_WRITE);
                return true;
            }
            key.interestOps(SelectionKey.OP_READ);
            return !closing;
        }

        private void parse() throws IOException {
            if (bodyLeft > 0) {
                int n = (int) Math.min(in.remaining(), bodyLeft);
                in.position(in.position() + n);
                bodyLeft -= n;
                if (bodyLeft == 0) answer();
                return;
            }
            char c = (char) (in.get() & 0xff);
            if (c == '\r') return;
            if (c != '\n') {
                if (line.length() >= MAX_LINE) throw new IOException("request line or header too long");
                line.append(c);
                return;
            }
            if (line.length() > 0) {
                String text = line.toString();
                line.setLength(0);
                if (requestLine == null) {
                    requestLine = text;
                } else if (text.regionMatches(true, 0, "content-length:", 0, 15)) {
                    contentLength = Long.parseLong(text.substring(15).trim());
                } else if (text.regionMatches(true, 0, "transfer-encoding:", 0, 18)) {
                    chunked = true;
                }
                return;
            }
            if (requestLine == null) return; // blank lines between requests are allowed
            if (chunked) {
                append(CHUNKED);
                closing = true;
                return;
            }
            bodyLeft = contentLength;
            if (bodyLeft == 0) answer();
        }

        private void answer() {
            if (requestLine.startsWith("GET /__bench/count ")) {
                byte[] body = Long.toString(received[0]).getBytes(StandardCharsets.US_ASCII);
                append(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                append(body);
            } else {
                received[0]++;
                append(json ? JSON_OK : OK);
            }
            requestLine = null;
            contentLength = 0;
            bodyLeft = -1;
        }

        private void append(byte[] bytes) {
            out.compact(); // now filling: the bytes not yet written come first
            if (out.remaining() < bytes.length) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + bytes.length));
                out.flip();
                bigger.put(out);
                out = bigger;
            }
            out.put(bytes).flip();
        }
    }

    private static int get(List<String> args) throws IOException {
        if (args.size() != 1) return usage("get URL");
        Response r = httpGet(args.get(0), Map.of(), 2000, 10_000);
        System.out.println(r.body);
        return r.status == 200 ? 0 : 1;
    }

    // ---- check ----

    /**
     * {@code check --config NAME --traceparent SENT BODY_FILE}: the front's answer to a request that carried label
     * dev-x and traceparent SENT includes the headers the backend received ({@code "downstream":{..."headers":...}}).
     * Fails unless those are what configuration NAME forwards, so a run never measures an agent that is not working
     * (or a baseline that is not bare).
     */
    private static int check(List<String> args) throws IOException {
        if (args.size() != 5 || !args.get(0).equals("--config") || !args.get(2).equals("--traceparent")) {
            return usage("check --config NAME --traceparent VALUE BODY_FILE");
        }
        String config = args.get(1);
        String sent = args.get(3);
        String body = Files.readString(Path.of(args.get(4)));
        int downstream = body.indexOf("\"downstream\":");
        if (downstream < 0) return fail(config, "the front's answer has no downstream part: " + body);
        String seen = body.substring(downstream);
        String label = headerValue(seen, "x-asm-traffic-tag");
        String traceparent = headerValue(seen, "traceparent");
        String sentTraceId = sent.split("-")[1];
        boolean labelled = "dev-x".equals(label);
        boolean sameTraceparent = sent.equals(traceparent);
        boolean childSpan = traceparent != null && !sent.equals(traceparent) && traceparent.contains(sentTraceId);
        String problem = switch (config) {
            case "manual" -> labelled && sameTraceparent ? null
                    : "the hand-written forwarding should forward label dev-x and the traceparent as sent";
            case "headers" -> labelled && "00-00000000000000000000000000000001-0000000000000001-01".equals(traceparent)
                    ? null : "the constant headers should be label dev-x and the samples' fixed traceparent";
            case "none" -> label == null && traceparent == null ? null : "without an agent nothing should be forwarded";
            case "graylane", "graylane-b", "graylane-cached", "graylane-mirror-sink", "graylane-b-mirror-sink", "graylane-mirror-compare",
                 "graylane-mirror-absent" ->
                    labelled && sameTraceparent ? null : "graylane should forward label dev-x and the traceparent as sent";
            case "otel" -> childSpan ? null : "OpenTelemetry should send a traceparent of the same trace with its own span id";
            case "otel+extension" -> childSpan && labelled ? null
                    : "OpenTelemetry with the graylane extension should forward label dev-x and a child traceparent";
            default -> "unknown configuration";
        };
        if (problem != null) {
            return fail(config, problem + "; the backend saw x-asm-traffic-tag=" + label + ", traceparent=" + traceparent
                    + " (sent " + sent + ")");
        }
        System.out.println("  " + config + ": backend saw x-asm-traffic-tag=" + label + " traceparent=" + traceparent);
        return 0;
    }

    private static int fail(String config, String message) {
        System.err.println("check failed for " + config + ": " + message);
        return 1;
    }

    /** The first value of a header in the sample apps' {"name":["value",...]} JSON, or null. */
    private static String headerValue(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\\[\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    // ---- jar-has ----

    private static int jarHas(List<String> args) throws IOException {
        if (args.size() != 2) return usage("jar-has JAR ENTRY");
        Path jar = Path.of(args.get(0));
        if (!Files.isRegularFile(jar)) return 1;
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.getEntry(args.get(1)) != null ? 0 : 1;
        }
    }

    // ---- report ----

    /**
     * How one measured figure is shown and judged; {@code ratio}: compared as a ratio (throughput, latency), else as a
     * difference; {@code goals}: the targets it is judged by.
     */
    private record Metric(String key, String title, int decimals, boolean ratio, List<Goal> goals) {
        String shortName() {
            return title.substring(0, title.indexOf(','));
        }
    }

    /**
     * A target for every configuration but the reference (with {@code mirroring}: for those that mirror): a bound on
     * the paired ratio or difference to it.
     */
    private record Goal(String reference, String text, boolean atLeast, double bound, boolean mirroring) {
        boolean met(double paired) {
            return atLeast ? paired >= bound : paired <= bound;
        }

        boolean judges(String config) {
            return !config.equals(reference) && (!mirroring || config.contains("-mirror-"));
        }
    }

    private static Goal goal(String reference, String text, boolean atLeast, double bound) {
        return new Goal(reference, text, atLeast, bound, false);
    }

    private static final List<Metric> METRICS = List.of(
            new Metric("rps", "Throughput, requests/s (higher is better)", 0, true,
                    List.of(goal("none", ">= 0.95x none", true, 0.95), goal("manual", ">= 0.98x manual", true, 0.98),
                            new Goal("graylane", ">= 0.85x graylane (mirroring)", true, 0.85, true))),
            new Metric("p50_ms", "Latency p50, ms", 3, true, List.of(goal("none", "<= 1.05x none", false, 1.05))),
            new Metric("p90_ms", "Latency p90, ms", 3, true, List.of()),
            new Metric("p99_ms", "Latency p99, ms", 3, true, List.of(goal("none", "<= 1.05x none", false, 1.05))),
            new Metric("front_cpu_us", "Front CPU per request, us (user+system)", 1, false,
                    List.of(goal("manual", "<= manual + 2 us", false, 2))),
            new Metric("front_jit_cpu_us", "Front JIT CPU per request, us (its C1/C2 compiler threads, part of the above)",
                    1, false, List.of()),
            new Metric("front_cpu_nojit_us", "Front CPU per request without the JIT, us (the above subtracted)", 1, false,
                    List.of()),
            new Metric("front_gc_pause_us", "Front GC pauses per request, us (young and full collections, jstat)", 2, false,
                    List.of()),
            new Metric("front_mirror_cpu_us", "Front mirror senders' CPU per request, us (its graylane-mirror threads, part"
                    + " of front CPU; each request is copied once)", 1, false, List.of()),
            new Metric("backend_cpu_us", "Backend CPU per request, us (user+system)", 1, false, List.of()),
            new Metric("front_rss_mb", "Front peak RSS (VmHWM), MB", 1, false, List.of(goal("none", "<= none + 10 MB", false, 10))),
            new Metric("backend_rss_mb", "Backend peak RSS (VmHWM), MB", 1, false,
                    List.of(goal("none", "<= none + 10 MB", false, 10))),
            new Metric("front_first_ms", "Front start, JVM start to first chain request answered, ms", 0, false,
                    List.of(goal("none", "<= none + 200 ms", false, 200))),
            new Metric("backend_first_ms", "Backend start, JVM start to first /health answered, ms", 0, false, List.of()),
            new Metric("front_start_cpu_ms", "Front start CPU, user+system time until the first answer, ms", 0, false, List.of()),
            new Metric("backend_start_cpu_ms", "Backend start CPU, user+system time until the first answer, ms", 0, false,
                    List.of()),
            new Metric("hello_ms", "Hello-world JVM start to exit, ms", 0, false, List.of(goal("none", "<= none + 100 ms", false, 100))),
            new Metric("mirror_copies", "Mirror copies, received by the sink from front and backend in the measured window", 0,
                    false, List.of()),
            new Metric("sink_cpu_us", "Sink CPU per mirror copy, us (user+system; the sink shares the CPUs)", 1, false, List.of()));

    /** The references every other configuration is paired with, round by round, when they ran (graylane-b and
     *  graylane-b-mirror-sink: the agent jar a change is judged against). */
    private static final List<String> REFERENCES = List.of("none", "manual", "graylane-b", "graylane-b-mirror-sink");

    private static int report(List<String> args) throws IOException {
        Path results = null;
        Path meta = null;
        Path out = null;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--results" -> results = Path.of(args.get(++i));
                case "--meta" -> meta = Path.of(args.get(++i));
                case "--out" -> out = Path.of(args.get(++i));
                default -> usage("report: unknown option " + args.get(i));
            }
        }
        if (results == null || out == null) return usage("report --results TSV [--meta FILE] --out MD");

        // metric -> configuration (in first-seen order) -> round -> value
        Map<String, Map<String, Map<Integer, Double>>> data = new LinkedHashMap<>();
        // the same for the windows of an interleaved run (a fifth column): metric -> configuration -> round -> window -> value
        Map<String, Map<String, Map<Integer, Map<Integer, Double>>>> windows = new HashMap<>();
        List<String> configs = new ArrayList<>();
        for (String line : Files.readAllLines(results)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            if (f.length != 4 && f.length != 5) throw new IllegalArgumentException("bad results line: " + line);
            String config = f[1];
            if (f.length == 5) {
                windows.computeIfAbsent(f[2], k -> new HashMap<>()).computeIfAbsent(config, k -> new HashMap<>())
                        .computeIfAbsent(Integer.parseInt(f[0]), k -> new HashMap<>())
                        .put(Integer.parseInt(f[4]), Double.parseDouble(f[3]));
                continue;
            }
            if (!configs.contains(config)) configs.add(config);
            data.computeIfAbsent(f[2], k -> new LinkedHashMap<>())
                    .computeIfAbsent(config, k -> new TreeMap<>()).put(Integer.parseInt(f[0]), Double.parseDouble(f[3]));
        }
        configs.sort(Comparator.comparingInt(BenchTool::configRank).thenComparing(c -> c));
        List<String> references = REFERENCES.stream().filter(configs::contains).toList();

        StringBuilder md = new StringBuilder("# graylane overhead benchmark\n\n");
        if (meta != null && Files.exists(meta)) {
            for (String line : Files.readAllLines(meta)) md.append(line).append('\n');
            md.append('\n');
        }
        md.append("Each cell: the median over rounds and min-max over rounds; `vs REF`: the median over rounds of the ratio")
                .append(" (or difference) to REF measured in the same round, and its min-max over rounds")
                .append(windows.isEmpty() ? "" : " (interleaved: a round's ratio is the median of its windows' ratios to REF's"
                        + " window of the same turn)")
                .append(". A configuration named `CONFIG@N` is CONFIG run again: its figures against CONFIG are the A-A spread.\n\n");

        for (Metric metric : METRICS) {
            Map<String, Map<Integer, Double>> byConfig = data.get(metric.key);
            if (byConfig == null) continue;
            md.append("### ").append(metric.title).append("\n\n| configuration | median | min-max |");
            references.forEach(r -> md.append(" vs ").append(r).append(" | min-max |"));
            md.append(" rounds |\n|---|---:|---:|");
            references.forEach(r -> md.append("---:|---:|"));
            md.append("---:|\n");
            for (String config : configs) {
                Map<Integer, Double> values = byConfig.get(config);
                if (values == null) continue;
                List<Double> v = new ArrayList<>(values.values());
                md.append("| ").append(config).append(" | ").append(fmt(median(v), metric.decimals)).append(" | ")
                        .append(fmt(min(v), metric.decimals)).append('-').append(fmt(max(v), metric.decimals)).append(" |");
                for (String reference : references) {
                    List<Double> paired = config.equals(reference) ? List.of()
                            : paired(metric, config, values, reference, byConfig.get(reference), windows);
                    if (paired.isEmpty()) {
                        md.append(" | |");
                    } else {
                        md.append(' ').append(pairedText(metric, median(paired))).append(" | ")
                                .append(pairedText(metric, min(paired))).append(" .. ").append(pairedText(metric, max(paired)))
                                .append(" |");
                    }
                }
                md.append(' ').append(v.size()).append(" |\n");
            }
            md.append('\n');
        }

        List<String> judged = configs.stream().filter(c -> !c.equals("none")).toList();
        StringBuilder goals = new StringBuilder();
        for (Metric metric : METRICS) {
            Map<String, Map<Integer, Double>> byConfig = data.get(metric.key);
            if (byConfig == null) continue;
            for (Goal goal : metric.goals) {
                Map<Integer, Double> reference = byConfig.get(goal.reference);
                if (reference == null || judged.stream().noneMatch(goal::judges)) continue;
                goals.append("| ").append(metric.shortName()).append(" | ").append(goal.text).append(" |");
                for (String config : judged) {
                    List<Double> paired = !goal.judges(config) || !byConfig.containsKey(config)
                            ? List.of() : paired(metric, config, byConfig.get(config), goal.reference, reference, windows);
                    if (paired.isEmpty()) {
                        goals.append(" |");
                    } else {
                        double m = median(paired);
                        long met = paired.stream().filter(goal::met).count();
                        goals.append(' ').append(pairedText(metric, m)).append(goal.met(m) ? " ok" : " **missed**")
                                .append(" [").append(pairedText(metric, min(paired))).append(" .. ")
                                .append(pairedText(metric, max(paired))).append("], ").append(met).append(" of ")
                                .append(paired.size()).append(" rounds |");
                    }
                }
                goals.append('\n');
            }
        }
        if (!goals.isEmpty()) {
            md.append("### Goals (paired medians, [min .. max] over rounds and the rounds that met the goal; the OpenTelemetry"
                    + " columns are for reference)\n\n| figure | goal |");
            judged.forEach(c -> md.append(' ').append(c).append(" |"));
            md.append("\n|---|---|");
            judged.forEach(c -> md.append("---|"));
            md.append('\n').append(goals).append('\n');
        }

        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md);
        System.out.print(md);
        return 0;
    }

    /**
     * Per round in which both ran: the ratio (or difference) of a configuration's figure to the reference's; for a round
     * of an interleaved run, the median of the ratios of each of its windows to the reference's window of the same turn,
     * which were measured one right after the other ({@code windows}: by metric, configuration, round and window; empty
     * for a run that was not interleaved).
     */
    private static List<Double> paired(Metric metric, String config, Map<Integer, Double> values, String referenceName,
                                       Map<Integer, Double> reference,
                                       Map<String, Map<String, Map<Integer, Map<Integer, Double>>>> windows) {
        List<Double> paired = new ArrayList<>();
        if (reference == null) return paired;
        Map<String, Map<Integer, Map<Integer, Double>>> byConfig = windows.getOrDefault(metric.key, Map.of());
        values.forEach((round, value) -> {
            Map<Integer, Double> own = byConfig.getOrDefault(config, Map.of()).get(round);
            Map<Integer, Double> theirs = byConfig.getOrDefault(referenceName, Map.of()).get(round);
            if (own != null && theirs != null) {
                List<Double> byWindow = new ArrayList<>();
                own.forEach((window, v) -> {
                    Double ref = theirs.get(window);
                    if (ref != null && !(metric.ratio && ref == 0)) byWindow.add(metric.ratio ? v / ref : v - ref);
                });
                if (!byWindow.isEmpty()) {
                    paired.add(median(byWindow));
                    return;
                }
            }
            Double ref = reference.get(round);
            if (ref == null || (metric.ratio && ref == 0)) return;
            paired.add(metric.ratio ? value / ref : value - ref);
        });
        return paired;
    }

    private static String pairedText(Metric metric, double paired) {
        return metric.ratio ? String.format(Locale.ROOT, "%.3fx", paired)
                : String.format(Locale.ROOT, "%+." + metric.decimals + "f", paired);
    }

    private static int configRank(String config) {
        List<String> order = Arrays.asList("none", "headers", "manual", "graylane", "graylane-b", "graylane-cached", "graylane-mirror-sink", "graylane-b-mirror-sink",
                "graylane-mirror-compare",
                "graylane-mirror-absent", "otel",
                "otel+extension");
        int i = order.indexOf(config.replaceFirst("@.*", "")); // CONFIG@N next to CONFIG
        return i < 0 ? order.size() : i;
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    private static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }
}
