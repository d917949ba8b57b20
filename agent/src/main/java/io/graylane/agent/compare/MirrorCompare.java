package io.graylane.agent.compare;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.graylane.core.config.Config;
import io.graylane.core.log.Log;
import io.graylane.core.mirror.Answer;
import io.graylane.core.mirror.AnswerComparator;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;
import javax.management.openmbean.TabularData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mirror comparison, Diffy-style, in the process (graylane.mirror.compare): each compared copy's answers go through
 * a {@link Comparison}, its outcome is counted (in total and per endpoint: at most {@link #MAX_ENDPOINTS}, the rest
 * under {@code other}), and a comparison that differs becomes a line of the report file. Every few seconds, and when
 * the JVM exits, the report also gets the totals, from which {@code report} computes the rates. Loaded by the mirror
 * only when comparison is on; runs on its sender threads.
 */
public final class MirrorCompare implements AnswerComparator, MirrorCompareMBean {

    public static final String OBJECT_NAME = "graylane:type=MirrorCompare";
    static final int MAX_ENDPOINTS = 1000;
    private static final long TOTALS_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int MAX_REQUEST_LINE = 512;
    static final JsonFactory JSON = new JsonFactory();

    private final List<String> headers;
    private final IgnoreRules ignore;
    private final int maxBody;
    private final ReportFile report;
    private final AtomicLong[] outcomes = {new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong()};
    private final Map<String, EndpointStats> endpoints = new LinkedHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean warnedFailure = new AtomicBoolean();
    private volatile long lastTotals = System.nanoTime();
    private volatile boolean changed;
    private String instance;

    public MirrorCompare(Config.Mirror config) {
        this.headers = new ArrayList<>(config.compare.headers);
        this.ignore = new IgnoreRules(config.compare.ignore);
        this.maxBody = (int) Math.min(Integer.MAX_VALUE - 8, config.maxBodyBytes);
        this.report = config.compare.report == null ? null : new ReportFile(config.compare.report, config.compare.reportMaxBytes);
    }

    @Override
    public void compare(String method, String target, String requestId, Answer primary, Answer candidate, Answer secondary) {
        if (started.compareAndSet(false, true)) start();
        Comparison c;
        try {
            c = Comparison.of(primary, candidate, secondary, headers, ignore, maxBody);
        } catch (Throwable t) {
            if (warnedFailure.compareAndSet(false, true)) Log.warn("mirror comparison failed once (" + t + "); counted as incomparable");
            c = Comparison.incomparable("the comparison failed: " + t);
        }
        String endpoint = Endpoints.of(method, target);
        synchronized (this) {
            EndpointStats stats = endpoints.get(endpoint);
            if (stats == null) {
                if (endpoints.size() >= MAX_ENDPOINTS) endpoint = Endpoints.OTHER;
                stats = endpoints.get(endpoint);
                if (stats == null) {
                    stats = new EndpointStats(endpoint);
                    endpoints.put(endpoint, stats);
                }
            }
            stats.add(c);
            outcomes[c.outcome].incrementAndGet();
            changed = true;
        }
        if (report == null) return;
        if (c.outcome != Comparison.EQUAL) report.append(line(endpoint, method, target, requestId, primary, candidate, secondary, c));
        if (System.nanoTime() - lastTotals > TOTALS_NANOS) writeTotals();
    }

    private void start() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(OBJECT_NAME);
            if (!server.isRegistered(name)) server.registerMBean(this, name);
        } catch (Throwable t) {
            Log.warn("mirror comparison counters cannot be registered as " + OBJECT_NAME + ": " + t);
        }
        try {
            instance = ManagementFactory.getRuntimeMXBean().getName() + "-" + ManagementFactory.getRuntimeMXBean().getStartTime();
        } catch (Throwable t) {
            instance = "unknown-" + System.nanoTime();
        }
        if (report != null) {
            try {
                Thread hook = new Thread(new FinalTotals(this), "graylane-compare-totals");
                hook.setContextClassLoader(null);
                Runtime.getRuntime().addShutdownHook(hook);
            } catch (Throwable t) {
                // the JVM is already exiting
            }
        }
    }

    /** Writes the totals when the JVM exits, so the report has the final counts. */
    private static final class FinalTotals implements Runnable {
        private final MirrorCompare compare;

        FinalTotals(MirrorCompare compare) {
            this.compare = compare;
        }

        @Override
        public void run() {
            compare.writeTotals();
            compare.report.close();
        }
    }

    void writeTotals() {
        if (report == null) return;
        lastTotals = System.nanoTime();
        byte[] line;
        synchronized (this) {
            if (!changed) return;
            changed = false;
            line = totalsLine();
        }
        if (line != null) report.append(line);
    }

    private byte[] totalsLine() {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);
            JsonGenerator g = JSON.createGenerator(buffer);
            g.writeStartObject();
            g.writeStringField("time", java.time.Instant.now().toString());
            g.writeStringField("instance", instance);
            g.writeObjectFieldStart("totals");
            for (EndpointStats s : endpoints.values()) {
                g.writeObjectFieldStart(s.name);
                g.writeNumberField("equal", s.outcomes[Comparison.EQUAL]);
                g.writeNumberField("different", s.outcomes[Comparison.DIFFERENT]);
                g.writeNumberField("noiseOnly", s.outcomes[Comparison.NOISE_ONLY]);
                g.writeNumberField("incomparable", s.outcomes[Comparison.INCOMPARABLE]);
                g.writeNumberField("withSecondary", s.withSecondary);
                g.writeObjectFieldStart("fields");
                for (Map.Entry<String, long[]> f : s.fields.entrySet()) {
                    g.writeArrayFieldStart(f.getKey());
                    g.writeNumber(f.getValue()[0]);
                    g.writeNumber(f.getValue()[1]);
                    g.writeEndArray();
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
            g.close();
            buffer.write('\n');
            return buffer.toByteArray();
        } catch (IOException e) {
            return null;
        }
    }

    private byte[] line(String endpoint, String method, String target, String requestId, Answer primary, Answer candidate,
                        Answer secondary, Comparison c) {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
            JsonGenerator g = JSON.createGenerator(buffer);
            g.writeStartObject();
            g.writeStringField("time", java.time.Instant.now().toString());
            g.writeStringField("instance", instance);
            g.writeStringField("endpoint", endpoint);
            String request = method + " " + target;
            g.writeStringField("request", request.length() > MAX_REQUEST_LINE ? request.substring(0, MAX_REQUEST_LINE) + "..." : request);
            if (requestId != null) g.writeStringField("requestId", Values.cut(requestId));
            g.writeStringField("outcome", Comparison.OUTCOMES[c.outcome]);
            if (c.reason != null) g.writeStringField("reason", Values.cut(c.reason));
            g.writeObjectFieldStart("status");
            if (primary != null) g.writeNumberField("primary", primary.status);
            if (candidate != null) g.writeNumberField("candidate", candidate.status);
            if (secondary != null) g.writeNumberField("secondary", secondary.status);
            g.writeEndObject();
            g.writeArrayFieldStart("diffs");
            for (Comparison.Diff d : c.diffs) {
                g.writeStartObject();
                g.writeStringField("path", Values.cut(d.path));
                g.writeStringField("primary", d.primary);
                g.writeStringField("candidate", d.candidate);
                if (secondary != null) g.writeStringField("secondary", d.secondary);
                g.writeBooleanField("candidateDiffers", d.candidateDiffers);
                g.writeBooleanField("secondaryDiffers", d.secondaryDiffers);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.close();
            buffer.write('\n');
            return buffer.toByteArray();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    // ---- MirrorCompareMBean: plain counters ----

    @Override
    public long getCompared() {
        return getEqual() + getDifferent() + getNoiseOnly() + getIncomparable();
    }

    @Override
    public long getEqual() {
        return outcomes[Comparison.EQUAL].get();
    }

    @Override
    public long getDifferent() {
        return outcomes[Comparison.DIFFERENT].get();
    }

    @Override
    public long getNoiseOnly() {
        return outcomes[Comparison.NOISE_ONLY].get();
    }

    @Override
    public long getIncomparable() {
        return outcomes[Comparison.INCOMPARABLE].get();
    }

    private static final String[] COLUMNS = {"endpoint", "compared", "equal", "different", "noiseOnly", "incomparable",
            "regressedFields", "noisyFields"};

    @Override
    public synchronized TabularData getEndpoints() {
        try {
            OpenType<?>[] types = {SimpleType.STRING, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG,
                    SimpleType.LONG, SimpleType.STRING, SimpleType.STRING};
            CompositeType row = new CompositeType("MirrorCompareEndpoint", "one endpoint's comparisons", COLUMNS, COLUMNS, types);
            TabularDataSupport table = new TabularDataSupport(new TabularType("MirrorCompareEndpoints",
                    "comparisons per endpoint", row, new String[]{"endpoint"}));
            for (EndpointStats s : endpoints.values()) {
                Object[] values = {s.name, s.compared(), s.outcomes[0], s.outcomes[1], s.outcomes[2], s.outcomes[3],
                        s.fieldsWith("regressed"), s.fieldsWith("noise")};
                table.put(new CompositeDataSupport(row, COLUMNS, values));
            }
            return table;
        } catch (OpenDataException e) {
            return null;
        }
    }
}
