package io.graylane.samples.webflux;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/** A thread started with the application, serving no request: calls made there are background work. */
final class BackgroundCaller {

    private record Job(String client, CompletableFuture<String> answer) {
    }

    private final BlockingQueue<Job> jobs = new LinkedBlockingQueue<>();

    BackgroundCaller(Calls calls) {
        Thread worker = new Thread(() -> {
            while (true) {
                Job job;
                try {
                    job = jobs.take();
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    job.answer().complete(calls.call(job.client(), List.of()).block());
                } catch (Throwable t) {
                    job.answer().completeExceptionally(t);
                }
            }
        }, "background-caller");
        worker.setDaemon(true);
        worker.start();
    }

    CompletableFuture<String> call(String client) {
        CompletableFuture<String> answer = new CompletableFuture<>();
        jobs.add(new Job(client, answer));
        return answer;
    }
}
