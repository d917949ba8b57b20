package io.graylane.core.mirror;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.config.Config;
import io.graylane.core.log.Log;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Shadow copies of inbound HTTP requests (graylane.mirror.*): which requests are selected, the bounded queue of
 * copies, the small pool of daemon threads that send them, and the counters ({@code graylane:type=Mirror}).
 *
 * <p>The primary request never waits on any of it: selecting is a hash, queueing is a non-blocking offer (a full
 * queue drops the copy and counts it), and only the sender threads ever touch the network: {@code graylane-mirror-1}
 * and {@code -2}, and up to {@code -8} while copies wait for a slow target. While copies keep coming the first sender
 * looks at the queue every millisecond on its own and takes the copies gathered since, so a busy service pays neither a
 * thread wake-up (a system call on its request thread) for every copy nor one for every idle look of every sender: the
 * others sleep until a backlog or a slow target needs them. A sender sends the copies it finds waiting together,
 * pipelined on its connection (see {@link ShadowClient#pipeline}). Nothing starts
 * until the first request is selected: no thread, no JMX (whose early initialisation breaks some applications).
 */
public final class Mirror implements MirrorMBean {

    /** The header that marks a shadow copy; a request carrying it (value 1) is never copied again. */
    public static final String MARKER = "x-graylane-mirror";
    public static final String OBJECT_NAME = "graylane:type=Mirror";
    /** The comparator, in graylane-agent.jar; loaded only when graylane.mirror.compare is on. */
    static final String COMPARATOR = "io.graylane.agent.compare.MirrorCompare";
    /** Senders started with the first copy. */
    static final int MIN_SENDERS = 2;
    /**
     * Most senders: each has one connection, on which the target answers one copy after another, so a slow target
     * serves up to this many copies at a time.
     */
    static final int MAX_SENDERS = 8;
    /**
     * A backlog: this many copies waiting (or half the queue's capacity, if less), more if the senders may send more
     * together (see behind). The newest sender, taking a copy and seeing a backlog, starts another sender, up to
     * MAX_SENDERS.
     */
    static final int GROW_BACKLOG = 16;
    /**
     * Most copies a sender sends together, pipelined on its connection, and most bytes of bodies in one such batch
     * (a larger copy goes alone). The first batch of two or more is a probe (PROBE_PIPELINE copies). A target that
     * answers some copies of a batch and not the next within the timeout may not take pipelined requests: from then on
     * every copy goes alone. Large enough to carry all the copies one GATHER_NANOS gathers on a service that answers
     * tens of thousands of requests a second: each send costs its sender a write, a wait and a read, and the target
     * as much, whatever it carries.
     */
    static final int MAX_PIPELINE = 64;
    static final int PROBE_PIPELINE = 2;
    private static final long MAX_BATCH_BYTES = 64 * 1024;
    /**
     * When the last send's first answer took longer than this (or never came within the timeout), the senders send
     * their next copies alone: copies sent together wait for each other on one connection, and a slow or distant
     * target is served faster by more senders (see GROW_BACKLOG).
     */
    private static final long SLOW_COPY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long SUMMARY_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long MAX_QUEUED_BYTES = 64L * 1024 * 1024;
    /** While active, the first sender with nothing to send looks at the queue again after this long. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * After a send, a sender that sees fewer copies waiting than it may send together waits this long before it takes
     * them (a copy is due within graylane.mirror.timeout, not at once): on a busy service each send then carries the
     * copies of about this much time instead of the one or two that arrived during the last exchange.
     */
    private static final long GATHER_NANOS = POLL_NANOS;
    /**
     * The first sender, having found nothing for this long, goes to sleep until a copy wakes it (or 10 s pass); the
     * others sleep as soon as they find nothing.
     */
    private static final long ACTIVE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long SLEEP_NANOS = TimeUnit.SECONDS.toNanos(10);
    /**
     * After the JVM refused to start a sender thread (a process at its thread limit), no further one is tried for this
     * long: every request would otherwise try again.
     */
    private static final long SENDER_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Starts the senders: daemon threads named graylane-mirror-N. */
    private static final ThreadFactory SENDER_THREADS = new ThreadFactory() {
        @Override
        public Thread newThread(Runnable sender) {
            Thread thread = new Thread(sender);
            thread.setDaemon(true);
            return thread;
        }
    };

    /** Never copied: hop-by-hop headers, and those the copy sets itself. */
    private static final String[] ALWAYS_DROPPED = {"host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate",
            "expect", "http2-settings", MARKER};

    private final String target;
    private final String host;
    private final int port;
    private final Sampling sampling;
    private final String copyLabel;
    private final String labelHeader;
    private final String hostSuffix;
    private final int maxBodyBytes;
    private final long timeoutMillis;
    private final Set<String> droppedHeaders;
    private final ArrayBlockingQueue<ShadowCopy> queue;
    private final int queueCapacity;
    /** See GROW_BACKLOG. */
    private final int growBacklog;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final long maxQueuedBytes;

    private final AtomicLong selected = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicBoolean warnedFailure = new AtomicBoolean();
    private final AtomicBoolean warnedDrop = new AtomicBoolean();
    private final AtomicBoolean warnedAbandon = new AtomicBoolean();
    private final AtomicBoolean warnedThreads = new AtomicBoolean();
    /** Sends whose first answer took longer than SLOW_COPY_NANOS, or never came (tests read it). */
    private final AtomicLong slowSends = new AtomicLong();
    /**
     * Copies a sender may send together: PROBE_PIPELINE until the target has answered a batch, then MAX_PIPELINE; 1
     * (for good) once a batch was answered in part.
     */
    private final AtomicInteger pipeline = new AtomicInteger(PROBE_PIPELINE);

    private final Thread[] senders = new Thread[MAX_SENDERS];
    /** Per sender: asleep (parked until woken), so a copy queued meanwhile wakes it. */
    private final AtomicBoolean[] asleep = new AtomicBoolean[MAX_SENDERS];
    /**
     * Senders started so far (0 until the first request is selected); they never stop (but sleep when idle), so the
     * pool only grows, to MAX_SENDERS.
     */
    private volatile int running;
    private volatile boolean stopped;
    /**
     * The last send's first answer took longer than SLOW_COPY_NANOS (or never came): every sender sends its next copy
     * alone, a sender that just started too.
     */
    private volatile boolean slowTarget;
    /**
     * When the first sender's current send began (System.nanoTime, never 0), or 0 while it sends nothing: a request
     * thread that sees a backlog wakes a helper only when that send has taken longer than SLOW_COPY_NANOS.
     */
    private volatile long firstSending;
    /** While a sender backs off a target it could not connect to (System.nanoTime), else 0 or past. */
    private volatile long targetDownUntil;
    private volatile boolean registered;
    /** When the JVM last refused to start a sender (System.nanoTime, never 0), or 0. */
    private volatile long senderRefusedAt;
    /** Makes the senders' threads (a test gives one that fails as the JVM does at the process's thread limit). */
    private final ThreadFactory threads;

    /** Compares the answers (graylane.mirror.compare), or null. */
    private final AnswerComparator comparator;
    /** graylane.mirror.secondary's host and port (host null: none). */
    private final String secondaryHost;
    private final int secondaryPort;

    Mirror(Config.Mirror config, String labelHeader) {
        this(config, labelHeader, SENDER_THREADS);
    }

    Mirror(Config.Mirror config, String labelHeader, ThreadFactory threads) {
        this.threads = threads;
        URI uri = URI.create(config.target);
        this.target = config.target;
        this.host = uri.getHost();
        this.port = uri.getPort() < 0 ? 80 : uri.getPort();
        this.sampling = new Sampling(config.percentage);
        this.copyLabel = config.label;
        this.labelHeader = labelHeader;
        this.hostSuffix = config.hostSuffix == null ? "" : config.hostSuffix;
        this.maxBodyBytes = (int) Math.min(Integer.MAX_VALUE - 8, config.maxBodyBytes);
        this.timeoutMillis = config.timeoutMillis;
        Set<String> drop = new HashSet<>(Arrays.asList(ALWAYS_DROPPED));
        if (labelHeader != null) drop.add(labelHeader.toLowerCase(Locale.ROOT));
        for (String name : config.excludeHeaders) drop.add(name.toLowerCase(Locale.ROOT));
        this.droppedHeaders = drop;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity);
        for (int i = 0; i < MAX_SENDERS; i++) asleep[i] = new AtomicBoolean();
        this.queueCapacity = config.queueCapacity;
        this.growBacklog = Math.max(1, Math.min(GROW_BACKLOG, config.queueCapacity / 2));
        this.maxQueuedBytes = Math.max(2L * maxBodyBytes + 1024,
                Math.min(MAX_QUEUED_BYTES, Runtime.getRuntime().maxMemory() / 8));
        Config.Compare compare = config.compare;
        this.comparator = compare != null && compare.enabled ? loadComparator(config) : null;
        if (comparator != null && compare.secondary != null) {
            URI secondary = URI.create(compare.secondary);
            this.secondaryHost = secondary.getHost();
            this.secondaryPort = secondary.getPort() < 0 ? 80 : secondary.getPort();
        } else {
            this.secondaryHost = null;
            this.secondaryPort = 0;
        }
    }

    /** The comparator of graylane-agent.jar (it needs the shaded JSON parser, so it is not part of graylane-core). */
    private static AnswerComparator loadComparator(Config.Mirror config) {
        try {
            Class<?> type = Class.forName(COMPARATOR, true, Mirror.class.getClassLoader());
            return (AnswerComparator) type.getConstructor(Config.Mirror.class).newInstance(config);
        } catch (Throwable t) {
            Log.warn("graylane.mirror.compare is on but the comparison cannot start (" + t + "); copies are sent, answers not compared");
            return null;
        }
    }

    /** Whether the answers of copies are compared with the primary's. */
    boolean comparing() {
        return comparator != null;
    }

    /** The mirror of a configuration, or null when mirroring is off. */
    public static Mirror of(Config config) {
        return config.mirror.enabled ? new Mirror(config.mirror, config.labelHeader) : null;
    }

    /**
     * Decides whether an inbound request is copied ({@code sampleKey}: its graylane.mirror.sample-key header, or
     * null) and returns the capture for it, or null.
     */
    public ShadowCapture select(String sampleKey, HeaderScrubber scrubber) {
        if (stopped || !sampling.selects(sampleKey)) return null;
        selected.incrementAndGet();
        if (running == 0 && !start()) {
            // no sender could be started: a copy would only wait in the queue
            dropped.incrementAndGet();
            return null;
        }
        long down = targetDownUntil;
        if (down != 0 && System.nanoTime() - down < 0) {
            // the senders are backing off a target that refused them: the copy fails now, before anything is captured
            failed.incrementAndGet();
            return null;
        }
        return new ShadowCapture(this, copyLabel, scrubber);
    }

    // ---- settings the copy is built with ----

    int maxBodyBytes() {
        return maxBodyBytes;
    }

    String hostSuffix() {
        return hostSuffix;
    }

    String labelHeader() {
        return labelHeader;
    }

    boolean dropsHeader(String lowerCaseName) {
        return droppedHeaders.contains(lowerCaseName);
    }

    // ---- outcomes ----

    void submit(ShadowCopy copy) {
        long weight = copy.weight();
        if (queuedBytes.addAndGet(weight) > maxQueuedBytes || !queue.offer(copy)) {
            queuedBytes.addAndGet(-weight);
            dropped.incrementAndGet();
            if (warnedDrop.compareAndSet(false, true)) {
                Log.warn("the mirror queue is full (graylane.mirror.queue-capacity " + queueCapacity
                        + ", target " + target + "): copies are dropped and counted (" + OBJECT_NAME
                        + " Dropped); this warning is shown once");
            }
            return;
        }
        wakeOne();
    }

    /**
     * Wakes the first sender if it sleeps (it saw an empty queue after announcing its sleep: see Sender.sleep); while it
     * is awake, another sleeping sender only when a backlog waits and the first sender's send has taken longer than
     * SLOW_COPY_NANOS (a target that stopped answering holds it up). Otherwise the first sender takes copies as they
     * come and wakes a helper itself when it falls behind (Sender.run): the copies one gather collects are no backlog,
     * and a wake-up here would cost the request thread a system call.
     */
    private void wakeOne() {
        int n = running;
        if (n == 0) return;
        if (asleep[0].get()) {
            if (asleep[0].compareAndSet(true, false)) LockSupport.unpark(senders[0]);
            return;
        }
        // the send's start first: a volatile read, where the queue's size takes its lock (and mostly the first sender
        // is gathering, not sending)
        long since = firstSending;
        if (since != 0 && System.nanoTime() - since > SLOW_COPY_NANOS && queue.size() >= growBacklog) wakeHelper();
    }

    /**
     * Whether the copies waiting are more than the senders keep up with: a backlog, and while the target is not slow
     * (copies go together) at least a whole batch.
     */
    private boolean behind() {
        return queue.size() >= (slowTarget ? growBacklog : Math.max(growBacklog, pipeline.get()));
    }

    /** Wakes a sleeping sender other than the first, if any. */
    private void wakeHelper() {
        for (int i = 1, n = running; i < n; i++) {
            if (asleep[i].get() && asleep[i].compareAndSet(true, false)) {
                LockSupport.unpark(senders[i]);
                return;
            }
        }
    }

    void skipped(String method, String requestUri, String reason) {
        skipped.incrementAndGet();
        if (Log.isDebug()) Log.debug("mirror: no copy of " + method + " " + requestUri + ": " + reason);
    }

    void abandoned(String reason, Throwable cause) {
        skipped.incrementAndGet();
        if (cause != null && warnedAbandon.compareAndSet(false, true)) {
            Log.warn("mirror: a copy could not be built (" + reason + "): " + cause
                    + "; such requests are counted as skipped (this warning is shown once)");
        } else if (Log.isDebug()) {
            Log.debug("mirror: no copy: " + reason + (cause == null ? "" : ": " + cause));
        }
    }

    // ---- the sender pool ----

    /** Starts the first senders, unless they run; false when none runs (the JVM refused to start them lately). */
    private synchronized boolean start() {
        if (running > 0 || stopped) return running > 0;
        addSenders(MIN_SENDERS);
        return running > 0;
    }

    /**
     * One more sender, while copies wait for the ones there are (a slow target: each sender waits for the answer to
     * its copy before it sends the next).
     */
    private synchronized void grow() {
        if (!stopped && running < MAX_SENDERS) addSenders(1);
    }

    /**
     * Starts up to {@code count} more senders. A thread the JVM refuses to start (a process at its thread limit says
     * OutOfMemoryError: unable to create native thread) must not reach the request that selected a copy, nor the
     * sender that grows the pool: it is logged once, the senders that run go on alone, and no thread is tried for
     * SENDER_RETRY_NANOS.
     */
    private void addSenders(int count) {
        long lastRefused = senderRefusedAt;
        if (lastRefused != 0 && System.nanoTime() - lastRefused < SENDER_RETRY_NANOS) return;
        // the pool must not inherit the request's context (graylane's own thread hooks would hand it on)
        TrafficContext previous = Traffic.replay(null);
        int i = running;
        try {
            for (int to = Math.min(MAX_SENDERS, running + count); i < to; i++) {
                Thread thread = threads.newThread(new Sender(i));
                thread.setName("graylane-mirror-" + (i + 1));
                // not the web application's loader: a sender must never pin it (nor look like its leaked thread)
                thread.setContextClassLoader(null);
                senders[i] = thread;
                running = i + 1;
                thread.start();
            }
        } catch (Throwable refused) {
            senders[i] = null;
            running = i;
            senderRefusedAt = System.nanoTime() | 1;
            if (warnedThreads.compareAndSet(false, true)) {
                Log.warn("mirror: a sender thread cannot be started (" + refused + "); " + (i == 0
                        ? "copies are not made, and counted as dropped, until one can (tried again after a second)"
                        : "the " + i + " running go on alone") + "; this warning is shown once");
            }
        } finally {
            Traffic.restore(previous);
        }
    }

    /** For tests: stops the senders and unregisters the MBean. Copies still queued are discarded. */
    public synchronized void stop() {
        stopped = true;
        for (Thread thread : senders) {
            if (thread != null) thread.interrupt();
        }
        queue.clear();
        if (registered) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(new ObjectName(OBJECT_NAME));
            } catch (Exception ignored) {
                // already gone
            }
        }
    }

    private void register() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(OBJECT_NAME);
            if (!server.isRegistered(name)) {
                server.registerMBean(this, name);
                registered = true;
            }
        } catch (Throwable t) {
            Log.warn("mirror counters cannot be registered as " + OBJECT_NAME + ": " + t);
        }
    }

    private void send(ShadowClient client, ShadowClient secondary, ShadowCopy copy) {
        if (copy.primary != null && comparator != null) {
            compare(client, secondary, copy);
            return;
        }
        try {
            int status = client.send(copy.head(this), copy.body, copy.length, timeoutMillis, "HEAD".equals(copy.method));
            sentCopy(copy, status);
        } catch (Throwable t) {
            failedCopy(client, copy, t);
        }
    }

    /**
     * Sends {@code first} and the copies queued behind it, up to the pipeline's size and MAX_BATCH_BYTES, together on
     * the sender's connection (see {@link ShadowClient#pipeline}); those the target did not process because it closed
     * the connection after an answer are sent again on a new one. {@code copies} and {@code batch}: the sender's own;
     * {@code alone}: send {@code first} alone. Returns whether the first answer took longer than SLOW_COPY_NANOS.
     */
    private boolean sendTogether(ShadowClient client, ShadowCopy first, ShadowCopy[] copies, ShadowClient.Batch batch,
                                 boolean alone) {
        int limit = alone ? 1 : pipeline.get();
        int n = 0;
        long bytes = 0;
        for (ShadowCopy copy = first; copy != null; copy = n < limit && bytes < MAX_BATCH_BYTES ? queue.poll() : null) {
            if (n > 0) queuedBytes.addAndGet(-copy.weight());
            copies[n++] = copy;
            bytes += copy.length;
        }
        Throwable failure = null;
        try {
            for (int i = 0; i < n; i++) {
                batch.add(copies[i].head(this), copies[i].body, copies[i].length, "HEAD".equals(copies[i].method));
            }
            while (batch.answered < n) client.pipeline(batch, timeoutMillis);
        } catch (Throwable t) {
            failure = t;
        }
        for (int i = 0; i < n; i++) {
            if (i < batch.answered) {
                sentCopy(copies[i], batch.statuses[i]);
            } else {
                failedCopy(client, copies[i], failure);
            }
            copies[i] = null;
        }
        if (n > 1) {
            if (failure == null) {
                pipeline.compareAndSet(PROBE_PIPELINE, MAX_PIPELINE);
            } else if (failure instanceof SocketTimeoutException && batch.answered > 0 && pipeline.getAndSet(1) != 1) {
                Log.warn("mirror: " + target + " answered " + batch.answered + " of " + n + " copies sent together (HTTP/1.1"
                        + " pipelining) and not the next within graylane.mirror.timeout; copies are sent one at a time from now on");
            }
        }
        boolean slow = batch.firstAnswerNanos < 0 ? failure instanceof SocketTimeoutException
                : batch.firstAnswerNanos > SLOW_COPY_NANOS;
        batch.clear();
        if (slow) slowSends.incrementAndGet();
        return slow;
    }

    private void sentCopy(ShadowCopy copy, int status) {
        sent.incrementAndGet();
        if (Log.isDebug()) Log.debug("mirror: " + copy.method + " " + copy.target + " -> " + status);
    }

    private void failedCopy(ShadowClient client, ShadowCopy copy, Throwable t) {
        failed.incrementAndGet();
        long retryAt = client.nextConnect();
        if (retryAt != 0) targetDownUntil = retryAt;
        if (warnedFailure.compareAndSet(false, true)) {
            Log.warn("mirror: a copy to " + target + " failed (" + t + "); failures are counted (" + OBJECT_NAME
                    + " Failed), never retried; this warning is shown once");
        } else if (Log.isDebug()) {
            Log.debug("mirror: " + copy.method + " " + copy.target + " failed: " + t);
        }
    }

    /**
     * A compared copy: the candidate's whole answer (bounded), then the secondary's, then the comparison, all on this
     * sender thread. The copy's Sent/Failed outcome is the candidate's.
     */
    private void compare(ShadowClient client, ShadowClient secondary, ShadowCopy copy) {
        byte[] head = copy.head(this);
        boolean headRequest = "HEAD".equals(copy.method);
        Answer candidate = client.answer(head, copy.body, copy.length, timeoutMillis, headRequest, maxBodyBytes);
        if (candidate.state == Answer.FAILED) {
            failed.incrementAndGet();
            long retryAt = client.nextConnect();
            if (retryAt != 0) targetDownUntil = retryAt;
            if (warnedFailure.compareAndSet(false, true)) {
                Log.warn("mirror: a copy to " + target + " failed (" + candidate.problem + "); failures are counted ("
                        + OBJECT_NAME + " Failed), never retried; this warning is shown once");
            }
        } else {
            sent.incrementAndGet();
        }
        Answer second = secondary == null ? null
                : secondary.answer(head, copy.body, copy.length, timeoutMillis, headRequest, maxBodyBytes);
        try {
            comparator.compare(copy.method, copy.target, copy.header("x-request-id"), copy.primary, candidate, second);
        } catch (Throwable t) {
            Log.warn("mirror: a comparison failed: " + t);
        }
    }

    private String summary() {
        return "mirror to " + target + ": selected " + selected.get() + ", sent " + sent.get() + ", failed " + failed.get()
                + ", dropped " + dropped.get() + ", skipped " + skipped.get() + ", queued " + queue.size();
    }

    private final class Sender implements Runnable {
        private final int index;
        private final boolean first;

        Sender(int index) {
            this.index = index;
            this.first = index == 0;
        }

        @Override
        public void run() {
            if (first) register();
            ShadowClient client;
            ShadowClient secondary = null;
            try {
                client = new ShadowClient(host, port);
                if (secondaryHost != null) secondary = new ShadowClient(secondaryHost, secondaryPort);
            } catch (Throwable t) {
                Log.error("a mirror sender cannot start; copies queue up and are dropped", t);
                return;
            }
            ShadowCopy[] copies = new ShadowCopy[MAX_PIPELINE];
            ShadowClient.Batch batch = new ShadowClient.Batch(MAX_PIPELINE);
            long lastSummary = System.nanoTime();
            String lastLine = null;
            long idleSince = 0;
            try {
                while (!stopped) {
                    ShadowCopy copy = queue.poll();
                    if (copy != null) {
                        idleSince = 0;
                        queuedBytes.addAndGet(-copy.weight());
                        // only the newest sender grows the pool, so a backlog starts one sender at a time
                        if (index == running - 1 && index + 1 < MAX_SENDERS && behind()) grow();
                        // a slow target: copies that wait get a sleeping sender's connection too
                        if (slowTarget && !queue.isEmpty()) wakeHelper();
                        if (first) firstSending = System.nanoTime() | 1;
                        if (comparator != null) {
                            send(client, secondary, copy); // one at a time: each answer is read whole and compared
                        } else {
                            slowTarget = sendTogether(client, copy, copies, batch, slowTarget);
                        }
                        if (first) {
                            firstSending = 0;
                            // more came during the send than it took away: a helper sends too
                            if (behind()) wakeHelper();
                        }
                        // fewer copies than a batch takes wait: let more gather for one poll interval, so copies
                        // that keep coming share a write, a wake-up and a read (GATHER_NANOS)
                        if (first && comparator == null && !slowTarget && queue.size() < pipeline.get()) {
                            LockSupport.parkNanos(GATHER_NANOS);
                            Thread.interrupted();
                        }
                    } else {
                        long now = System.nanoTime();
                        if (idleSince == 0) idleSince = now;
                        // the first sender keeps looking while copies keep coming; the others only help with a
                        // backlog, and sleep as soon as the queue is empty (every wake-up costs the service CPU)
                        if (first && now - idleSince < ACTIVE_NANOS) {
                            LockSupport.parkNanos(POLL_NANOS);
                            Thread.interrupted(); // only stop() interrupts, and it sets stopped first
                        } else if (!sleep()) {
                            client.disconnect(); // idle for 10 s: the kept connection is let go
                            if (secondary != null) secondary.disconnect();
                            idleSince = System.nanoTime();
                        }
                    }
                    if (first && Log.isDebug() && System.nanoTime() - lastSummary > SUMMARY_NANOS) {
                        lastSummary = System.nanoTime();
                        String line = summary();
                        if (!line.equals(lastLine)) Log.debug(line);
                        lastLine = line;
                    }
                }
            } finally {
                client.close();
                if (secondary != null) secondary.close();
            }
        }

        /**
         * Parks until a queued copy wakes this sender, or 10 s pass (false: nothing came). The announcement comes
         * before the last look at the queue, so a copy offered meanwhile either is seen here or sees the announcement.
         */
        private boolean sleep() {
            asleep[index].set(true);
            long until = System.nanoTime() + SLEEP_NANOS;
            while (queue.isEmpty() && !stopped && asleep[index].get()) {
                long left = until - System.nanoTime();
                if (left <= 0) break;
                LockSupport.parkNanos(left);
                Thread.interrupted();
            }
            if (asleep[index].compareAndSet(true, false)) {
                return !queue.isEmpty();
            }
            return true; // woken by a copy
        }
    }

    /** Copies a sender may send together now (tests read it). */
    int pipeline() {
        return pipeline.get();
    }

    /** Senders started so far (tests read it). */
    int senders() {
        return running;
    }

    /** Sends that found the target slow (see SLOW_COPY_NANOS; tests read it). */
    long slowSends() {
        return slowSends.get();
    }

    /** Senders parked until a copy wakes them (tests read it). */
    int sleepingSenders() {
        int n = 0;
        for (AtomicBoolean a : asleep) {
            if (a.get()) n++;
        }
        return n;
    }

    // ---- MirrorMBean ----

    @Override
    public String getTarget() {
        return target;
    }

    @Override
    public long getSelected() {
        return selected.get();
    }

    @Override
    public long getSent() {
        return sent.get();
    }

    @Override
    public long getFailed() {
        return failed.get();
    }

    @Override
    public long getDropped() {
        return dropped.get();
    }

    @Override
    public long getSkipped() {
        return skipped.get();
    }

    @Override
    public int getQueued() {
        return queue.size();
    }

    @Override
    public String toString() {
        return summary();
    }
}
