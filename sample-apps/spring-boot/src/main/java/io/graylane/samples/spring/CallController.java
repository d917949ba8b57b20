package io.graylane.samples.spring;

import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code GET /call/jdk}, {@code GET /call/apache}: calls {@code BACKEND/echo} with {@link RestClient} on the JDK's
 * HttpClient or on the bundled Apache HttpClient 5, setting no header itself, and answers
 * {@code {"service":"spring","client":..,"library":JAR,"downstream":ECHO}}. BACKEND is {@code backend.url}
 * (a system property or any other Spring property source).
 */
@RestController
class CallController implements DisposableBean {

    private final RestClient jdk;
    private final RestClient apache;
    private final HttpComponentsClientHttpRequestFactory apacheFactory = new HttpComponentsClientHttpRequestFactory();

    CallController(@Value("${backend.url}") String backend) {
        String echoUrl = backend.replaceAll("/+$", "") + "/echo";
        jdk = RestClient.builder().requestFactory(new JdkClientHttpRequestFactory()).baseUrl(echoUrl).build();
        apache = RestClient.builder().requestFactory(apacheFactory).baseUrl(echoUrl).build();
    }

    @GetMapping("/health")
    String health() {
        return "ok";
    }

    @GetMapping(path = "/call/{client}", produces = MediaType.APPLICATION_JSON_VALUE)
    String call(@PathVariable("client") String client) {
        RestClient restClient;
        Class<?> library;
        switch (client) {
            case "jdk" -> {
                restClient = jdk;
                library = java.net.http.HttpClient.class;
            }
            case "apache" -> {
                restClient = apache;
                library = CloseableHttpClient.class;
            }
            default -> throw new ResponseStatusException(org.springframework.http.HttpStatus.NOT_FOUND,
                    "no client " + client + "; use jdk or apache");
        }
        String downstream = restClient.get().retrieve().body(String.class);
        var source = library.getProtectionDomain().getCodeSource();
        return "{\"service\":\"spring\",\"client\":\"" + client + "\",\"library\":\""
                + (source == null ? "jdk" : source.getLocation()) + "\",\"downstream\":" + downstream + "}";
    }

    @Override
    public void destroy() throws Exception {
        apacheFactory.destroy();
    }
}
