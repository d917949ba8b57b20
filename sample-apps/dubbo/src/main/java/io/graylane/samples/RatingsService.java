package io.graylane.samples;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.dubbo.rpc.RpcContext;

/**
 * The ratings provider: answers by calling BACKEND_URL/echo over HTTP and returns
 * {@code {"service":"ratings","lane":ASM_TRAFFIC_TAG,"protocol":..,"item":..,"headers":{attachment:[value]},"downstream":{backend JSON}}},
 * where protocol is the one the service is exported with ({@code dubbo}, {@code tri}).
 * Uses only API that Dubbo 2.7 and 3.x share (it runs on both).
 */
public final class RatingsService implements Ratings {

    private static final Duration DOWNSTREAM_TIMEOUT = Duration.ofSeconds(5);

    private final String backendUrl;
    private final String protocol;

    public RatingsService(String backendUrl, String protocol) {
        this.backendUrl = backendUrl;
        this.protocol = protocol;
    }

    @Override
    public String rate(String item) {
        return answer(item);
    }

    @Override
    public String getRating(String item) {
        return answer(item);
    }

    @Override
    public CompletableFuture<String> rateAsync(String item) {
        return CompletableFuture.completedFuture(answer(item));
    }

    private String answer(String item) {
        // the attachments this call arrived with (Dubbo 2.7: the context; 3.x: its server-side attachments)
        String headers = Json.attachments(RpcContext.getContext().getObjectAttachments());
        System.out.println("[ratings] " + item + " attachments=" + headers);
        String downstream;
        try {
            downstream = UrlConnectionGet.get(backendUrl + "/echo", List.of(), DOWNSTREAM_TIMEOUT);
        } catch (IOException | RuntimeException e) {
            downstream = Json.error(e);
        }
        return "{\"service\":\"ratings\"" + Json.lane() + ",\"protocol\":" + Json.quote(protocol) + ",\"item\":" + Json.quote(item)
                + ",\"headers\":" + headers + ",\"downstream\":" + downstream + "}";
    }
}
