package io.graylane.samples.rocketmq;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code RocketMqFrontApp PORT NAMESRV BACKEND_URL}: a servlet front (Jetty 12) that publishes per request with a
 * plain {@code DefaultMQProducer}.
 * <ul>
 *   <li>{@code GET /health} -> ok</li>
 *   <li>{@code GET /publish?topic=T&value=V&mode=M} -> sends one message (tag {@code sample}, body V) and answers
 *       {@code sent T V}; M is {@code sync} (the default: {@code send(message)}), {@code async}
 *       ({@code send(message, callback)}, answered once the callback ran; with {@code &callback=1} the callback calls
 *       BACKEND_URL/echo and the answer ends with {@code callback} and what the backend saw from there),
 *       {@code oneway} ({@code sendOneway}) or {@code batch} ({@code send(Collection)} of three messages, bodies
 *       V.0, V.1, V.2); with {@code &label=L} the front sets the message's {@code x-asm-traffic-tag} property to L
 *       itself</li>
 * </ul>
 * Otherwise neither the front nor its messages set any property: what the messages carry is graylane's doing. A failed send is
 * logged ({@code [rocketmq-front] send of V failed: EXCEPTION}) and answered 500.
 */
public final class RocketMqFrontApp {

    private RocketMqFrontApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: RocketMqFrontApp PORT NAMESRV BACKEND_URL");
            System.exit(2);
        }
        DefaultMQProducer producer = new DefaultMQProducer("front-" + args[0]);
        producer.setNamesrvAddr(args[1]);
        producer.setSendMsgTimeout(10_000);
        producer.start();
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
        System.out.println("[rocketmq-front] client " + Backend.clientVersion());
        System.out.println("[rocketmq-front] listening on 127.0.0.1:" + args[0]);
        server.join();
    }

    static final class PublishServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;

        private final transient DefaultMQProducer producer;
        private final transient Backend backend;

        PublishServlet(DefaultMQProducer producer, Backend backend) {
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
                send(resp, 404, "GET /publish?topic=T&value=V[&mode=sync|async|oneway|batch][&callback=1][&label=L]");
                return;
            }
            String topic = req.getParameter("topic");
            String value = req.getParameter("value");
            String mode = req.getParameter("mode") == null ? "sync" : req.getParameter("mode");
            String ownLabel = req.getParameter("label");
            String answer = "sent " + topic + " " + value;
            try {
                switch (mode) {
                    case "sync" -> producer.send(message(topic, value, ownLabel));
                    case "oneway" -> producer.sendOneway(message(topic, value, ownLabel));
                    case "batch" -> {
                        List<Message> batch = new ArrayList<>();
                        for (int i = 0; i < 3; i++) {
                            batch.add(message(topic, value + "." + i, ownLabel));
                        }
                        producer.send(batch);
                    }
                    case "async" -> {
                        boolean withCallback = "1".equals(req.getParameter("callback"));
                        CompletableFuture<String> done = new CompletableFuture<>();
                        producer.send(message(topic, value, ownLabel), new SendCallback() {
                            @Override
                            public void onSuccess(SendResult result) {
                                done.complete(withCallback ? " callback " + backend.call() : "");
                            }

                            @Override
                            public void onException(Throwable error) {
                                done.completeExceptionally(error);
                            }
                        });
                        answer += done.get(30, TimeUnit.SECONDS);
                    }
                    default -> {
                        send(resp, 404, "mode is sync, async, oneway or batch");
                        return;
                    }
                }
            } catch (Exception e) {
                Throwable error = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
                        ? e.getCause() : e;
                System.out.println("[rocketmq-front] send of " + value + " failed: "
                        + error.toString().replace('\n', ' '));
                send(resp, 500, "send failed: " + error);
                return;
            }
            send(resp, 200, answer);
        }

        private static Message message(String topic, String value, String ownLabel) {
            Message message = new Message(topic, "sample", value.getBytes(StandardCharsets.UTF_8));
            if (ownLabel != null) {
                message.putUserProperty("x-asm-traffic-tag", ownLabel);
            }
            return message;
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
