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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
            case "none" -> label == null && traceparent == null ? null : "without an agent nothing should be forwarded";
            case "graylane", "graylane-mirror-sink", "graylane-mirror-compare", "graylane-mirror-absent" ->
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

    /** How one measured figure is shown and judged. */
    private record Metric(String key, String title, int decimals, Goal goal) {
        String shortName() {
            return title.substring(0, title.indexOf(','));
        }
    }

    /** A target relative to {@code none}: a ratio bound or an absolute difference bound. */
    private record Goal(String text, boolean ratio, boolean atLeast, double bound) {
        boolean met(double value, double none) {
            double x = ratio ? value / none : value - none;
            return atLeast ? x >= bound : x <= bound;
        }

        String gap(double value, double none) {
            return ratio ? String.format(Locale.ROOT, "%.3fx", value / none)
                    : String.format(Locale.ROOT, "%+.1f", value - none);
        }
    }

    private static final List<Metric> METRICS = List.of(
            new Metric("rps", "Throughput, requests/s (higher is better)", 0,
                    new Goal(">= 0.97x none", true, true, 0.97)),
            new Metric("p50_ms", "Latency p50, ms", 3, new Goal("<= 1.05x none", true, false, 1.05)),
            new Metric("p90_ms", "Latency p90, ms", 3, null),
            new Metric("p99_ms", "Latency p99, ms", 3, new Goal("<= 1.05x none", true, false, 1.05)),
            new Metric("front_cpu_us", "Front CPU per request, us (user+system)", 1,
                    new Goal("<= none + 3 us", false, false, 3)),
            new Metric("backend_cpu_us", "Backend CPU per request, us (user+system)", 1, null),
            new Metric("front_rss_mb", "Front peak RSS (VmHWM), MB", 1, new Goal("<= none + 15 MB", false, false, 15)),
            new Metric("backend_rss_mb", "Backend peak RSS (VmHWM), MB", 1, new Goal("<= none + 15 MB", false, false, 15)),
            new Metric("front_first_ms", "Front start, JVM start to first chain request answered, ms", 0, null),
            new Metric("backend_first_ms", "Backend start, JVM start to first /health answered, ms", 0, null),
            new Metric("front_start_cpu_ms", "Front start CPU, user+system time until the first answer, ms", 0, null),
            new Metric("backend_start_cpu_ms", "Backend start CPU, user+system time until the first answer, ms", 0, null),
            new Metric("hello_ms", "Hello-world JVM start to exit, ms", 0, new Goal("<= none + 150 ms", false, false, 150)),
            new Metric("mirror_copies", "Mirror copies, received by the sink from front and backend in the measured window", 0,
                    null),
            new Metric("sink_cpu_us", "Sink CPU per mirror copy, us (user+system; the sink shares the CPUs)", 1, null));

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

        // metric -> configuration (in first-seen order) -> values over rounds
        Map<String, Map<String, List<Double>>> data = new LinkedHashMap<>();
        List<String> configs = new ArrayList<>();
        for (String line : Files.readAllLines(results)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            if (f.length != 4) throw new IllegalArgumentException("bad results line: " + line);
            String config = f[1];
            if (!configs.contains(config)) configs.add(config);
            data.computeIfAbsent(f[2], k -> new LinkedHashMap<>())
                    .computeIfAbsent(config, k -> new ArrayList<>()).add(Double.parseDouble(f[3]));
        }
        configs.sort((a, b) -> Integer.compare(configRank(a), configRank(b)));

        StringBuilder md = new StringBuilder("# graylane overhead benchmark\n\n");
        if (meta != null && Files.exists(meta)) {
            for (String line : Files.readAllLines(meta)) md.append(line).append('\n');
            md.append('\n');
        }
        md.append("Each cell: the median over rounds, then min-max over rounds, and the median's ratio to `none`.\n\n");

        for (Metric metric : METRICS) {
            Map<String, List<Double>> byConfig = data.get(metric.key);
            if (byConfig == null) continue;
            Double none = byConfig.containsKey("none") ? median(byConfig.get("none")) : null;
            md.append("### ").append(metric.title).append("\n\n");
            md.append("| configuration | median | min-max | vs none | rounds |\n|---|---:|---:|---:|---:|\n");
            for (String config : configs) {
                List<Double> values = byConfig.get(config);
                if (values == null) continue;
                double m = median(values);
                md.append("| ").append(config)
                        .append(" | ").append(fmt(m, metric.decimals))
                        .append(" | ").append(fmt(min(values), metric.decimals)).append('-').append(fmt(max(values), metric.decimals))
                        .append(" | ").append(none == null || none == 0 ? "" : String.format(Locale.ROOT, "%.3f", m / none))
                        .append(" | ").append(values.size()).append(" |\n");
            }
            md.append('\n');
        }

        List<String> judged = configs.stream().filter(c -> !c.equals("none")).toList();
        if (!judged.isEmpty()) {
            md.append("### Goals (medians against `none`; the OpenTelemetry columns are for reference)\n\n");
            md.append("| figure | goal |");
            judged.forEach(c -> md.append(' ').append(c).append(" |"));
            md.append("\n|---|---|");
            judged.forEach(c -> md.append("---|"));
            md.append('\n');
            for (Metric metric : METRICS) {
                Map<String, List<Double>> byConfig = data.get(metric.key);
                if (metric.goal == null || byConfig == null || !byConfig.containsKey("none")) continue;
                double none = median(byConfig.get("none"));
                md.append("| ").append(metric.shortName()).append(" | ").append(metric.goal.text).append(" |");
                for (String config : judged) {
                    List<Double> values = byConfig.get(config);
                    if (values == null) {
                        md.append(" |");
                        continue;
                    }
                    double m = median(values);
                    md.append(' ').append(metric.goal.gap(m, none)).append(metric.goal.met(m, none) ? " ok" : " **missed**")
                            .append(" |");
                }
                md.append('\n');
            }
            md.append('\n');
        }

        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md);
        System.out.print(md);
        return 0;
    }

    private static int configRank(String config) {
        List<String> order = Arrays.asList("none", "graylane", "graylane-mirror-sink", "graylane-mirror-compare",
                "graylane-mirror-absent", "otel",
                "otel+extension");
        int i = order.indexOf(config);
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
