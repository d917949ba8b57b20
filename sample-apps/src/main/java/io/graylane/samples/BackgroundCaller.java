package io.graylane.samples;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;

/**
 * One daemon platform thread that makes outbound calls on behalf of requests, so that the call happens on a
 * thread which never saw the inbound request (no request context). Jobs go through a bounded queue and each
 * hands its result back through its own CompletableFuture.
 */
final class BackgroundCaller {

    static final String THREAD_NAME = "background-caller";

    private record Job(String client, String url, List<ExtraHeader> headers, CompletableFuture<String> body) {
    }

    private final BlockingQueue<Job> jobs = new ArrayBlockingQueue<>(100);
    private final Clients clients;

    BackgroundCaller(Clients clients) {
        this.clients = clients;
    }

    void start() {
        Thread thread = new Thread(this::loop, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a call exactly like /call/{client} would make it; the future completes with the body. */
    CompletableFuture<String> submit(String client, String url, List<ExtraHeader> headers) {
        CompletableFuture<String> body = new CompletableFuture<>();
        if (!jobs.offer(new Job(client, url, headers, body))) {
            body.completeExceptionally(new IllegalStateException("background queue is full"));
        }
        return body;
    }

    private void loop() {
        while (true) {
            Job job;
            try {
                job = jobs.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                job.body().complete(clients.call(job.client(), job.url(), job.headers()));
            } catch (Throwable e) {
                job.body().completeExceptionally(e);
            }
        }
    }
}
