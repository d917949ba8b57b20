package io.graylane.samples;

import java.util.concurrent.CompletableFuture;

/** The ratings Dubbo service: each answer is JSON with the attachments the provider received. */
public interface Ratings {

    String rate(String item);

    /** The same answer, by a method whose name reads ({@code get*}: the shadow write guard lets it through). */
    String getRating(String item);

    /** The same answer through Dubbo's asynchronous (CompletableFuture) call style. */
    CompletableFuture<String> rateAsync(String item);
}
