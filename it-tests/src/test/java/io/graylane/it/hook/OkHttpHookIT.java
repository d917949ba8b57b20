package io.graylane.it.hook;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;

/**
 * OkHttp 3.x, 4.x, 5.x: the hook is {@code OkHttpClient.newCall(Request)}, on the caller's thread, so
 * {@code execute} and {@code enqueue} (whose request goes out on an OkHttp dispatcher thread) are covered alike.
 * Compiled against the oldest version (3.14.9); runs against each version of the hook-okhttp* executions.
 */
class OkHttpHookIT extends HookTest {

    private final OkHttpClient client = new OkHttpClient.Builder()
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(10, TimeUnit.SECONDS)
            .build();

    @AfterAll
    void closeClient() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    @Override
    String library() {
        return "okhttp";
    }

    @Override
    String versionOnClassPath() throws Exception {
        try {
            // 4.x and 5.x; read reflectively, a compile-time constant would be inlined
            return (String) Class.forName("okhttp3.OkHttp").getField("VERSION").get(null);
        } catch (ClassNotFoundException e) {
            String userAgent = (String) callStatic("okhttp3.internal.Version", "userAgent"); // 3.x: okhttp/3.14.9
            return userAgent.substring(userAgent.indexOf('/') + 1);
        }
    }

    @Override
    List<String> classFiles() {
        return List.of("okhttp3/OkHttpClient.class", "okio/Buffer.class");
    }

    @Override
    List<String> ways() {
        return List.of("execute", "enqueue");
    }

    @Override
    String get(String way, String url, String appLabel) throws Exception {
        Request.Builder request = new Request.Builder().url(url);
        if (appLabel != null) {
            request.header(LABEL, appLabel);
        }
        Call call = client.newCall(request.build());
        switch (way) {
            case "execute":
                try (Response response = call.execute()) {
                    return body(url, response);
                }
            case "enqueue":
                CompletableFuture<String> body = new CompletableFuture<>();
                call.enqueue(new Callback() {
                    @Override
                    public void onFailure(Call c, IOException e) {
                        body.completeExceptionally(e);
                    }

                    @Override
                    public void onResponse(Call c, Response response) {
                        try (Response r = response) {
                            body.complete(body(url, r));
                        } catch (IOException | RuntimeException e) {
                            body.completeExceptionally(e);
                        }
                    }
                });
                return body.get(20, TimeUnit.SECONDS);
            default:
                throw new IllegalArgumentException(way);
        }
    }

    private static String body(String url, Response response) throws IOException {
        String body = response.body().string();
        if (response.code() != 200) {
            throw httpError(url, response.code(), body);
        }
        return body;
    }
}
