import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;

/**
 * The Java side of it-tests/bench/soak.sh. Subcommands:
 * <pre>
 * flaky-target --port P --phase-seconds S   a mirror target that is up, hung, then down, S seconds each, round and round
 * probe PID                                 one sample of a running JVM: heap after a full GC, live threads, RSS,
 *                                           and every attribute of graylane's MBeans, as key=value lines
 * check --samples TSV [--min-samples N]     fails when a series grows without bound over the run
 * </pre>
 */
public final class SoakTool {

    private SoakTool() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) usage("no subcommand");
        List<String> rest = List.of(args).subList(1, args.length);
        int code = switch (args[0]) {
            case "flaky-target" -> flakyTarget(rest);
            case "probe" -> probe(rest);
            case "check" -> check(rest);
            default -> usage("unknown subcommand " + args[0]);
        };
        System.exit(code);
    }

    private static int usage(String problem) {
        System.err.println("SoakTool: " + problem + " (see the class comment for subcommands)");
        System.exit(2);
        return 2;
    }

    // ---- flaky-target ----

    private enum Phase { UP, HUNG, DOWN }

    /**
     * {@code flaky-target --port P --phase-seconds S}: starts UP (every request answered 200, keep-alive); once
     * {@code GET /__soak/start} arrives, the phases rotate every S seconds: UP, HUNG (connections are accepted and
     * read, never answered), DOWN (the port is closed: connections are refused; the connections it held are
     * closed). {@code GET /__soak/phase} answers the current phase while UP. Each phase change goes to stderr.
     */
    private static int flakyTarget(List<String> args) throws Exception {
        if (args.size() != 4 || !args.get(0).equals("--port") || !args.get(2).equals("--phase-seconds")) {
            return usage("flaky-target --port P --phase-seconds S");
        }
        FlakyTarget target = new FlakyTarget(Integer.parseInt(args.get(1)), (long) (Double.parseDouble(args.get(3)) * 1000));
        target.run();
        return 0;
    }

    private static final class FlakyTarget {
        private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

        private final int port;
        private final long phaseMillis;
        private final Set<Socket> open = ConcurrentHashMap.newKeySet();
        private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "connection");
            t.setDaemon(true);
            return t;
        });
        private volatile Phase phase = Phase.UP;
        private volatile long startedAt; // 0 until /__soak/start
        private volatile ServerSocket server;

        FlakyTarget(int port, long phaseMillis) {
            this.port = port;
            this.phaseMillis = phaseMillis;
        }

        void run() throws Exception {
            listen();
            while (true) {
                long start = startedAt;
                if (start != 0) {
                    Phase due = Phase.values()[(int) (((System.currentTimeMillis() - start) / phaseMillis) % 3)];
                    if (due != phase) enter(due);
                }
                Thread.sleep(50);
            }
        }

        private void enter(Phase next) throws IOException {
            System.err.println("[flaky-target] " + next.name().toLowerCase(Locale.ROOT) + " at " + System.currentTimeMillis());
            phase = next;
            if (next == Phase.DOWN) {
                server.close();
                for (Socket s : open) closeQuietly(s);
            } else if (next == Phase.UP) {
                listen();
            }
        }

        private void listen() throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
            server = s;
            Thread acceptor = new Thread(() -> accept(s), "acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept(ServerSocket s) {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    open.add(client);
                    connections.execute(() -> serve(client));
                } catch (IOException closed) {
                    return;
                }
            }
        }

        /** Reads requests (Content-Length bodies) and answers each while UP; while HUNG reads and answers nothing. */
        private void serve(Socket client) {
            try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) return;
                    long length = contentLength(head);
                    in.skipNBytes(length);
                    if (phase != Phase.UP) continue; // hung: the request is read, never answered
                    if (head.startsWith("GET /__soak/start ")) {
                        if (startedAt == 0) startedAt = System.currentTimeMillis();
                    }
                    if (head.startsWith("GET /__soak/phase ")) {
                        byte[] body = phase.name().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(body);
                    } else {
                        out.write(OK);
                    }
                    out.flush();
                }
            } catch (IOException e) {
                // the peer went away, or the phase closed the connection
            } finally {
                open.remove(client);
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int lastFour = 0;
            while (lastFour != 0x0d0a0d0a) { // CR LF CR LF ends the head
                int b = in.read();
                if (b < 0) return null;
                head.append((char) b);
                lastFour = (lastFour << 8) | b;
                if (head.length() > 64 * 1024) throw new IOException("head too long");
            }
            return head.toString();
        }

        private static long contentLength(String head) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                    return Long.parseLong(line.substring(colon + 1).trim());
                }
            }
            return 0;
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    // ---- probe ----

    /**
     * {@code probe PID}: attaches to the JVM (the JDK's attach API, its local JMX agent), runs a full GC, and prints
     * {@code heap_after_gc_mb}, {@code threads}, {@code rss_mb} (from /proc) and {@code graylane.TYPE.ATTRIBUTE} for
     * every numeric attribute of every {@code graylane:type=*} MBean.
     */
    private static int probe(List<String> args) throws Exception {
        if (args.size() != 1) return usage("probe PID");
        String pid = args.get(0);
        VirtualMachine vm = VirtualMachine.attach(pid);
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        Map<String, String> sample = new LinkedHashMap<>();
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.MEMORY_MXBEAN_NAME,
                    MemoryMXBean.class);
            memory.gc();
            sample.put("heap_after_gc_mb", mb(memory.getHeapMemoryUsage().getUsed()));
            ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.THREAD_MXBEAN_NAME,
                    ThreadMXBean.class);
            sample.put("threads", Integer.toString(threads.getThreadCount()));
            for (ObjectName name : server.queryNames(new ObjectName("graylane:type=*"), null)) {
                for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                    Object value = server.getAttribute(name, attribute.getName());
                    if (value instanceof Number) {
                        sample.put("graylane." + name.getKeyProperty("type") + "." + attribute.getName(), value.toString());
                    }
                }
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
            if (line.startsWith("VmRSS:")) {
                sample.put("rss_mb", mb(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024));
            }
        }
        sample.forEach((k, v) -> System.out.println(k + "=" + v));
        return 0;
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    // ---- check ----

    /**
     * How much a series may rise, from the highest value of the run's middle third to the highest of its last
     * third, before it counts as growing without bound: a relative and an absolute allowance (whichever is larger).
     * Monotonic counters (sent, failed, dropped, ...) are recorded for the record, not judged.
     */
    private static final Map<String, double[]> BOUNDED = Map.of(
            "heap_after_gc_mb", new double[] {0.10, 8},
            "threads", new double[] {0.10, 4},
            "rss_mb", new double[] {0.10, 48},
            "mirror_pending", new double[] {0, 1024 + 8},
            "graylane.Mirror.Queued", new double[] {0, 1024});

    /**
     * {@code check --samples TSV [--min-samples N]}: TSV rows {@code minute service key value}. For each service and
     * bounded series: the last third's maximum may exceed the middle third's by at most the allowance. With fewer
     * than N samples (default 6) growth cannot be judged: says so and passes.
     */
    private static int check(List<String> args) throws IOException {
        Path samples = null;
        int minSamples = 6;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--samples" -> samples = Path.of(args.get(++i));
                case "--min-samples" -> minSamples = Integer.parseInt(args.get(++i));
                default -> usage("check: unknown option " + args.get(i));
            }
        }
        if (samples == null) return usage("check --samples TSV");
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String row : Files.readAllLines(samples)) {
            String[] f = row.split("\t");
            if (f.length != 4 || !BOUNDED.containsKey(f[2])) continue;
            series.computeIfAbsent(f[1] + " " + f[2], k -> new ArrayList<>()).add(Double.parseDouble(f[3]));
        }
        int problems = 0;
        for (Map.Entry<String, List<Double>> e : series.entrySet()) {
            List<Double> v = e.getValue();
            String key = e.getKey().substring(e.getKey().indexOf(' ') + 1);
            double[] allowance = BOUNDED.get(key);
            if (key.equals("mirror_pending") || key.equals("graylane.Mirror.Queued")) {
                double max = v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
                boolean ok = max <= allowance[1];
                System.out.printf(Locale.ROOT, "[soak] %-40s max %.0f (bound %.0f) %s%n", e.getKey(), max, allowance[1],
                        ok ? "ok" : "EXCEEDED");
                if (!ok) problems++;
                continue;
            }
            if (v.size() < minSamples) {
                System.out.printf(Locale.ROOT, "[soak] %-40s %d samples: too few to judge growth%n", e.getKey(), v.size());
                continue;
            }
            int third = v.size() / 3;
            double middle = v.subList(third, 2 * third).stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double last = v.subList(2 * third, v.size()).stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double limit = middle + Math.max(middle * allowance[0], allowance[1]);
            boolean ok = last <= limit;
            System.out.printf(Locale.ROOT, "[soak] %-40s first %.1f, middle third max %.1f, last third max %.1f (limit %.1f) %s%n",
                    e.getKey(), v.get(0), middle, last, limit, ok ? "ok" : "GROWING");
            if (!ok) problems++;
        }
        return problems == 0 ? 0 : 1;
    }
}
