package io.graylane.samples;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

/**
 * The outbound HTTP clients of the front app, created once and shared. Each client name maps to one method
 * that GETs a URL with that client, sets the given extra headers with the client's normal API and returns the
 * response body; a non-2xx answer is an IOException. Apache HttpClient 4 classes are fully qualified
 * ({@code org.apache.http.*}) to keep them apart from the imported HttpClient 5 ones.
 */
final class Clients {

    /** One way of making the call. */
    @FunctionalInterface
    interface Get {
        String get(String url, List<ExtraHeader> headers) throws Exception;
    }

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final long ASYNC_WAIT_SECONDS = 10;

    /** Idle connections kept: as many as the concurrent calls a load test makes (OkHttp keeps 5 by default). */
    private static final int IDLE_CONNECTIONS = 64;

    private final OkHttpClient okHttp = okHttpClient();

    private static OkHttpClient okHttpClient() {
        OkHttpClient.Builder builder = new OkHttpClient.Builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .readTimeout(READ_TIMEOUT)
                .connectionPool(new ConnectionPool(IDLE_CONNECTIONS, 5, TimeUnit.MINUTES));
        if (ManualPropagation.ENABLED) builder.addInterceptor(new ManualPropagation.OkHttpInterceptor());
        else if (ManualPropagation.CONSTANT_HEADERS) builder.addInterceptor(new ManualPropagation.ConstantHeaders());
        return builder.build();
    }

    private final HttpClient javaHttp = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .build();

    private final org.apache.http.impl.client.CloseableHttpClient apache4 =
            org.apache.http.impl.client.HttpClients.custom()
                    .setDefaultRequestConfig(org.apache.http.client.config.RequestConfig.custom()
                            .setConnectTimeout((int) CONNECT_TIMEOUT.toMillis())
                            .setSocketTimeout((int) READ_TIMEOUT.toMillis())
                            .build())
                    .build();

    private final CloseableHttpClient apache5 = HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                    .setDefaultConnectionConfig(ConnectionConfig.custom()
                            .setConnectTimeout(Timeout.of(CONNECT_TIMEOUT))
                            .setSocketTimeout(Timeout.of(READ_TIMEOUT))
                            .build())
                    .build())
            .build();

    private final Map<String, Get> byName = new LinkedHashMap<>();

    Clients() {
        byName.put("okhttp", this::okhttp);
        byName.put("okhttp-async", this::okhttpAsync);
        byName.put("url-connection", (url, headers) -> UrlConnectionGet.get(url, headers, READ_TIMEOUT));
        byName.put("java-http", this::javaHttp);
        byName.put("java-http-async", this::javaHttpAsync);
        byName.put("apache4", this::apache4);
        byName.put("apache5", this::apache5);
    }

    Set<String> names() {
        return byName.keySet();
    }

    boolean knows(String client) {
        return client != null && byName.containsKey(client);
    }

    /** GETs {@code url} with the named client and returns the body. */
    String call(String client, String url, List<ExtraHeader> headers) throws Exception {
        Get get = byName.get(client);
        if (get == null) {
            throw new IllegalArgumentException("unknown client: " + client);
        }
        return get.get(url, headers);
    }

    /** POSTs {@code body} (text) to {@code url} with the named client (any but the async ones) and returns the answer. */
    String post(String client, String url, String body) throws Exception {
        switch (client) {
            case "okhttp" -> {
                Request request = new Request.Builder().url(url)
                        .post(okhttp3.RequestBody.create(body, okhttp3.MediaType.get("text/plain"))).build();
                try (Response response = okHttp.newCall(request).execute()) {
                    return okBody(url, response);
                }
            }
            case "url-connection" -> {
                java.net.HttpURLConnection connection = (java.net.HttpURLConnection) URI.create(url).toURL().openConnection();
                connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
                connection.setReadTimeout((int) READ_TIMEOUT.toMillis());
                connection.setRequestMethod("POST");
                connection.setDoOutput(true);
                try (java.io.OutputStream out = connection.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
                try (java.io.InputStream in = connection.getInputStream()) {
                    return checked(url, connection.getResponseCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            case "java-http" -> {
                HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(READ_TIMEOUT)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                HttpResponse<String> response = javaHttp.send(request, HttpResponse.BodyHandlers.ofString());
                return checked(url, response.statusCode(), response.body());
            }
            case "java-http-async" -> {
                HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(READ_TIMEOUT)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                HttpResponse<String> response = await(javaHttp.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
                return checked(url, response.statusCode(), response.body());
            }
            case "apache4" -> {
                org.apache.http.client.methods.HttpPost request = new org.apache.http.client.methods.HttpPost(url);
                request.setEntity(new org.apache.http.entity.StringEntity(body, StandardCharsets.UTF_8));
                try (org.apache.http.client.methods.CloseableHttpResponse response = apache4.execute(request)) {
                    String answer = response.getEntity() == null
                            ? "" : org.apache.http.util.EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
                    return checked(url, response.getStatusLine().getStatusCode(), answer);
                }
            }
            case "apache5" -> {
                org.apache.hc.client5.http.classic.methods.HttpPost request = new org.apache.hc.client5.http.classic.methods.HttpPost(url);
                request.setEntity(new org.apache.hc.core5.http.io.entity.StringEntity(body, StandardCharsets.UTF_8));
                return apache5.execute(request, response -> {
                    String answer = response.getEntity() == null
                            ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
                    return checked(url, response.getCode(), answer);
                });
            }
            default -> throw new IllegalArgumentException("no POST with client " + client);
        }
    }

    String okhttp(String url, List<ExtraHeader> headers) throws IOException {
        try (Response response = okHttp.newCall(okRequest(url, headers)).execute()) {
            return okBody(url, response);
        }
    }

    String okhttpAsync(String url, List<ExtraHeader> headers) throws Exception {
        CompletableFuture<String> body = new CompletableFuture<>();
        Call call = okHttp.newCall(okRequest(url, headers));
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                body.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call c, Response response) {
                try (response) {
                    body.complete(okBody(url, response));
                } catch (IOException e) {
                    body.completeExceptionally(e);
                }
            }
        });
        try {
            return await(body);
        } finally {
            call.cancel(); // no-op once the call completed
        }
    }

    String javaHttp(String url, List<ExtraHeader> headers) throws IOException, InterruptedException {
        HttpResponse<String> response = javaHttp.send(javaRequest(url, headers), HttpResponse.BodyHandlers.ofString());
        return checked(url, response.statusCode(), response.body());
    }

    String javaHttpAsync(String url, List<ExtraHeader> headers) throws Exception {
        HttpResponse<String> response =
                await(javaHttp.sendAsync(javaRequest(url, headers), HttpResponse.BodyHandlers.ofString()));
        return checked(url, response.statusCode(), response.body());
    }

    String apache4(String url, List<ExtraHeader> headers) throws IOException {
        org.apache.http.client.methods.HttpGet request = new org.apache.http.client.methods.HttpGet(url);
        for (ExtraHeader header : headers) {
            request.setHeader(header.name(), header.value());
        }
        try (org.apache.http.client.methods.CloseableHttpResponse response = apache4.execute(request)) {
            String body = response.getEntity() == null
                    ? "" : org.apache.http.util.EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
            return checked(url, response.getStatusLine().getStatusCode(), body);
        }
    }

    String apache5(String url, List<ExtraHeader> headers) throws IOException {
        HttpGet request = new HttpGet(url);
        for (ExtraHeader header : headers) {
            request.setHeader(header.name(), header.value());
        }
        return apache5.execute(request, response -> {
            String body = response.getEntity() == null
                    ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
            return checked(url, response.getCode(), body);
        });
    }

    private static Request okRequest(String url, List<ExtraHeader> headers) {
        Request.Builder request = new Request.Builder().url(url).get();
        for (ExtraHeader header : headers) {
            request.header(header.name(), header.value());
        }
        return request.build();
    }

    private static String okBody(String url, Response response) throws IOException {
        return checked(url, response.code(), response.body().string());
    }

    private static HttpRequest javaRequest(String url, List<ExtraHeader> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(READ_TIMEOUT)
                .GET();
        for (ExtraHeader header : headers) {
            request.header(header.name(), header.value());
        }
        return request.build();
    }

    private static String checked(String url, int status, String body) throws IOException {
        return UrlConnectionGet.checked(url, status, body);
    }

    /** Waits for an async result at most 10 s and rethrows the failure itself rather than its wrapper. */
    static <T> T await(Future<T> future) throws Exception {
        try {
            return future.get(ASYNC_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new TimeoutException("no answer within " + ASYNC_WAIT_SECONDS + " s");
        }
    }
}
