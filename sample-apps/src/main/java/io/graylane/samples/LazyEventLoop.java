package io.graylane.samples;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.netty.channel.DefaultEventLoop;

/**
 * A Netty event loop whose thread starts inside whichever request uses it first, as a client library's loops do when
 * its first call is made from a request. Tasks handed to it run on that thread as Netty runs them: graylane does not
 * carry contexts into Netty's executors, so they must run with no request's context, never with the context of the
 * request that happened to start the thread.
 */
final class LazyEventLoop {

    private final DefaultEventLoop loop = new DefaultEventLoop(); // its thread starts with the first task

    /** Starts the loop's thread now, from the calling thread (a no-op when it runs already). */
    void start() throws Exception {
        loop.submit(() -> null).get(10, TimeUnit.SECONDS);
    }

    /** Runs the call on the loop's thread. */
    String run(Callable<String> call) throws Exception {
        return loop.submit(call).get(10, TimeUnit.SECONDS);
    }
}
