package io.graylane.agent.instrumentation.servlet.helper;

import javax.servlet.AsyncContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;

/**
 * Builds the copy of an asynchronous request when its async cycle completes (javax.servlet): only then has the
 * application read what it will read of the body. A helper: defined in the application's class loader by graylane.
 */
final class JavaxShadowListener implements AsyncListener {

    private final JavaxShadowRequest request;

    JavaxShadowListener(JavaxShadowRequest request) {
        this.request = request;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        request.finish();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // onComplete follows
    }

    @Override
    public void onError(AsyncEvent event) {
        // onComplete follows
    }

    /** A new async cycle drops the listeners of the last one: stay for the new one. */
    @Override
    public void onStartAsync(AsyncEvent event) {
        try {
            AsyncContext context = event.getAsyncContext();
            if (context != null) context.addListener(this);
        } catch (Throwable t) {
            request.finish();
        }
    }
}
