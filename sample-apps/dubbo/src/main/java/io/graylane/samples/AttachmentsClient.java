package io.graylane.samples;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.rpc.RpcContext;

/**
 * Calls ratings once per line of INPUT with the attachments that line names, and writes each answer to OUTPUT:
 * {@code java -cp graylane-ratings.jar io.graylane.samples.AttachmentsClient URL INPUT OUTPUT THREADS}.
 * <ul>
 *   <li>URL: a direct provider URL, {@code dubbo://127.0.0.1:PORT};</li>
 *   <li>INPUT: one call per line, {@code ID<TAB>NAME=BASE64(UTF-8 VALUE)<TAB>...}: any string can be an attachment,
 *       control characters and non-ASCII included;</li>
 *   <li>OUTPUT: one line per call, in no particular order, {@code ID<TAB>ok|error<TAB>BASE64(UTF-8 answer or
 *       error)}.</li>
 * </ul>
 * Prints {@code [attachments-client] done N} when every call has been answered, then exits.
 */
public final class AttachmentsClient {

    static final String DONE = "[attachments-client] done ";

    private AttachmentsClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: AttachmentsClient dubbo://HOST:PORT INPUT OUTPUT THREADS");
            System.exit(2);
        }
        List<String> calls = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
        int threads = Integer.parseInt(args[3]);
        ApplicationConfig application = DubboSamples.application("graylane-attachments-client", false);
        Ratings ratings = DubboSamples.ratings(application, args[0], 10_000);

        AtomicInteger next = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // each answer is written as soon as it is back: answers echo their attachments, 64 KiB ones too
        try (BufferedWriter out = Files.newBufferedWriter(Path.of(args[2]), StandardCharsets.UTF_8)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < calls.size(); i = next.getAndIncrement()) {
                        String answer = call(ratings, calls.get(i));
                        synchronized (out) {
                            out.write(answer);
                            out.newLine();
                        }
                        answered.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println(DONE + answered.get());
        System.exit(0);
    }

    private static String call(Ratings ratings, String line) {
        String[] fields = line.split("\t");
        String id = fields[0];
        RpcContext.removeContext();
        for (int f = 1; f < fields.length; f++) {
            int eq = fields[f].indexOf('=');
            String value = new String(Base64.getDecoder().decode(fields[f].substring(eq + 1)), StandardCharsets.UTF_8);
            RpcContext.getContext().setAttachment(fields[f].substring(0, eq), value);
        }
        String outcome;
        String text;
        try {
            text = ratings.rate("bad-input-" + id);
            outcome = "ok";
        } catch (RuntimeException e) {
            text = e.toString();
            outcome = "error";
        }
        return id + "\t" + outcome + "\t" + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
