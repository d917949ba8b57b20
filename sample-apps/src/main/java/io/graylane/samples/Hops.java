package io.graylane.samples;

import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TimerTask;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Ways a request's work leaves the request thread before the outbound call is made: each hop ends in
 * a plain call to the backend (HttpURLConnection), made on whatever thread the hop ran it. The
 * application does nothing to carry the label across; that is the agent's job.
 */
final class Hops {

    /** A hop: given "make the backend call", returns the backend's body. */
    private interface Hop {
        String run(Callable<String> backendCall) throws Exception;
    }

    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final java.util.Timer timer = new java.util.Timer("hop-timer", true);
    /** Completes futures from a thread that never saw a request. */
    private final ExecutorService completer = Executors.newSingleThreadExecutor();
    private final ExecutorService virtualThreads = newVirtualThreadPerTaskExecutor();
    private final OkHttpClient okHttp = new OkHttpClient();
    private final HttpClient javaHttp = HttpClient.newBuilder().connectTimeout(Clients.CONNECT_TIMEOUT).build();
    private final Map<String, Hop> hops = Map.ofEntries(
            Map.entry("executor", call -> Clients.await(pool.submit(call))),
            Map.entry("scheduled", call -> Clients.await(scheduler.schedule(call, 1, TimeUnit.MILLISECONDS))),
            Map.entry("forkjoin", call -> Clients.await(ForkJoinPool.commonPool().submit(call))),
            Map.entry("completable-async", call -> Clients.await(CompletableFuture.supplyAsync(() -> unchecked(call).apply(null)))),
            Map.entry("completable-then", this::completedElsewhere),
            Map.entry("parallel-stream", Hops::parallelStream),
            Map.entry("thread", Hops::newThread),
            Map.entry("timer", this::timerTask),
            Map.entry("virtual", this::virtualThread),
            Map.entry("okhttp-callback", this::okHttpCallback),
            Map.entry("java-http-then", this::javaHttpThen),
            Map.entry("decorated-executor", this::decoratedExecutor),
            Map.entry("nested", call -> Clients.await(pool.submit(
                    () -> Clients.await(scheduler.schedule(call, 1, TimeUnit.MILLISECONDS))))));

    private final String echoUrl;

    Hops(String echoUrl) {
        this.echoUrl = echoUrl;
    }

    boolean knows(String hop) {
        return hops.containsKey(hop);
    }

    /** Runs the backend call through the named hop. */
    String run(String hop) throws Exception {
        return hops.get(hop).run(() -> UrlConnectionGet.get(echoUrl, Collections.emptyList(), Clients.READ_TIMEOUT));
    }

    /** The dependent stage is registered here and runs on the thread that completes the future. */
    private String completedElsewhere(Callable<String> call) throws Exception {
        CompletableFuture<String> trigger = new CompletableFuture<>();
        CompletableFuture<String> body = trigger.thenApply(unchecked(call));
        completer.execute(() -> trigger.complete("go"));
        return Clients.await(body);
    }

    private static String parallelStream(Callable<String> call) {
        // two elements, so at least one runs on a common-pool worker; both must carry the label
        List<String> bodies = IntStream.range(0, 2).parallel().mapToObj(i -> unchecked(call).apply(null))
                .collect(Collectors.toList());
        return bodies.get(1);
    }

    private static String newThread(Callable<String> call) throws Exception {
        CompletableFuture<String> body = new CompletableFuture<>();
        Thread thread = new Thread(() -> complete(body, call), "hop-thread");
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(10));
        return Clients.await(body);
    }

    private String timerTask(Callable<String> call) throws Exception {
        CompletableFuture<String> body = new CompletableFuture<>();
        timer.schedule(new TimerTask() {
            @Override
            public void run() {
                complete(body, call);
            }
        }, 1);
        return Clients.await(body);
    }

    private String virtualThread(Callable<String> call) throws Exception {
        if (virtualThreads == null) throw new UnsupportedOperationException("virtual threads need Java 21+");
        return Clients.await(virtualThreads.submit(call));
    }

    /** The backend call is made inside OkHttp's callback, on OkHttp's dispatcher thread. */
    private String okHttpCallback(Callable<String> call) throws Exception {
        CompletableFuture<String> body = new CompletableFuture<>();
        okHttp.newCall(new Request.Builder().url(echoUrl).build()).enqueue(new Callback() {
            @Override
            public void onFailure(Call c, java.io.IOException e) {
                body.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call c, Response response) {
                response.close();
                complete(body, call);
            }
        });
        return Clients.await(body);
    }

    /** The backend call is made in a stage that java.net.http completes on its own executor. */
    private String javaHttpThen(Callable<String> call) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(echoUrl)).timeout(Duration.ofSeconds(10)).build();
        return Clients.await(javaHttp.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .thenApply(response -> unchecked(call).apply(null)));
    }

    /** The application's own Executor, decorating the pool with a Runnable wrapper of its own. */
    private String decoratedExecutor(Callable<String> call) throws Exception {
        java.util.concurrent.Executor decorated = task -> pool.execute(new Runnable() {
            @Override
            public void run() {
                task.run();
            }
        });
        return Clients.await(CompletableFuture.supplyAsync(() -> unchecked(call).apply(null), decorated));
    }

    private static void complete(CompletableFuture<String> body, Callable<String> call) {
        try {
            body.complete(call.call());
        } catch (Throwable e) {
            body.completeExceptionally(e);
        }
    }

    private static <T> Function<T, String> unchecked(Callable<String> call) {
        return ignored -> {
            try {
                return call.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static ExecutorService newVirtualThreadPerTaskExecutor() {
        try {
            Method factory = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            return (ExecutorService) factory.invoke(null);
        } catch (ReflectiveOperationException e) {
            return null; // before Java 21
        }
    }
}
