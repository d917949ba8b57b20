package io.graylane.samples.kafka;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code KafkaFrontApp PORT BOOTSTRAP BACKEND_URL}: a servlet front (Jetty 12) that publishes one record per request.
 * <ul>
 *   <li>{@code GET /health} -> ok</li>
 *   <li>{@code GET /publish?topic=T&value=V} -> sends (T, key V, value V) with a plain KafkaProducer, waits for the
 *       broker's acknowledgement and answers {@code sent T V}; with {@code &callback=1} the send's callback calls
 *       BACKEND_URL/echo and the answer ends with what the backend saw from there</li>
 * </ul>
 * Neither the front nor its records set any header: what the records carry is graylane's doing.
 */
public final class KafkaFrontApp {

    private KafkaFrontApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: KafkaFrontApp PORT BOOTSTRAP BACKEND_URL");
            System.exit(2);
        }
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);
        Backend backend = new Backend(args[2]);

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[0]));
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new PublishServlet(producer, backend)), "/*");
        server.setHandler(context);
        server.start();
        System.out.println("[kafka-front] listening on 127.0.0.1:" + args[0]);
        server.join();
    }

    static final class PublishServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;

        private final transient KafkaProducer<String, String> producer;
        private final transient Backend backend;

        PublishServlet(KafkaProducer<String, String> producer, Backend backend) {
            this.producer = producer;
            this.backend = backend;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String path = req.getRequestURI();
            if (path.equals("/health")) {
                send(resp, 200, "ok");
                return;
            }
            if (!path.equals("/publish") || req.getParameter("topic") == null || req.getParameter("value") == null) {
                send(resp, 404, "GET /publish?topic=T&value=V[&callback=1]");
                return;
            }
            String topic = req.getParameter("topic");
            String value = req.getParameter("value");
            boolean withCallback = "1".equals(req.getParameter("callback"));
            AtomicReference<String> seenByCallback = new AtomicReference<>("-");
            CountDownLatch called = new CountDownLatch(1);
            try {
                producer.send(new ProducerRecord<>(topic, value, value), (metadata, error) -> {
                    if (withCallback) {
                        seenByCallback.set(backend.call());
                    }
                    called.countDown();
                }).get(30, TimeUnit.SECONDS);
                if (!called.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the send callback did not run");
                }
            } catch (Exception e) {
                System.out.println("[kafka-front] send of " + value + " failed: " + e);
                send(resp, 500, "send failed: " + e);
                return;
            }
            send(resp, 200, "sent " + topic + " " + value + (withCallback ? " callback " + seenByCallback.get() : ""));
        }

        private static void send(HttpServletResponse resp, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            resp.setStatus(status);
            resp.setContentType("text/plain;charset=utf-8");
            resp.setContentLength(bytes.length);
            resp.getOutputStream().write(bytes);
        }
    }
}
