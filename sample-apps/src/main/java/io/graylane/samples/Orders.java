package io.graylane.samples;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The front's {@code /orders} (GET or POST, {@code ?client=NAME}): the reads and writes of an order service, made on
 * every request, so that a candidate fed with mirrored copies shows what the shadow write guard lets through. For each
 * database in the system property {@code front.jdbc} (comma-separated JDBC URLs; table
 * {@code orders(request_id, method, touched)} is created at start-up if missing) it counts, inserts (prepared), updates (plain statement),
 * inserts a batch of two, and queries back; then it GETs and POSTs the backend's {@code /echo} with the client. Each
 * step's outcome ({@code ok ...} or the exception) is in the JSON answer and in one stdout line
 * {@code [front] orders x-request-id=ID results {...}}. A connection to each database is opened at start-up and kept.
 */
final class Orders {

    private final Clients clients;
    private final String echoUrl;
    private final List<String> databases = new ArrayList<>();
    /** One connection per database, opened at start-up and kept, as a pool would (an H2 AUTO_SERVER stays up). */
    private final List<Connection> kept = new ArrayList<>();

    Orders(Clients clients, String echoUrl) {
        this.clients = clients;
        this.echoUrl = echoUrl;
        String urls = System.getProperty("front.jdbc", "");
        for (String url : urls.split(",")) {
            if (!url.isBlank()) {
                databases.add(url.trim());
                try {
                    Connection connection = DriverManager.getConnection(url.trim());
                    kept.add(connection);
                    try (Statement s = connection.createStatement()) {
                        s.execute("CREATE TABLE IF NOT EXISTS orders (request_id VARCHAR(200), method VARCHAR(10), touched INT)");
                    }
                } catch (Exception e) {
                    System.out.println("[front] cannot connect to " + url.trim() + ": " + Json.message(e));
                }
            }
        }
    }

    /** The steps' outcomes as a JSON object. */
    String run(String requestId, String method, String client) {
        Map<String, String> results = new LinkedHashMap<>();
        String id = requestId == null ? "none" : requestId;
        for (String url : databases) {
            String db = url.startsWith("jdbc:h2:") ? "h2" : url.startsWith("jdbc:postgresql:") ? "postgres" : url;
            try (Connection connection = DriverManager.getConnection(url)) {
                step(results, db + ".count", () -> {
                    try (Statement s = connection.createStatement();
                         ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
                        rs.next();
                        return "ok " + rs.getLong(1);
                    }
                });
                step(results, db + ".insert", () -> {
                    try (PreparedStatement s = connection.prepareStatement(
                            "INSERT INTO orders (request_id, method, touched) VALUES (?, ?, 0)")) {
                        s.setString(1, id);
                        s.setString(2, method);
                        return "ok " + s.executeUpdate();
                    }
                });
                step(results, db + ".update", () -> {
                    try (Statement s = connection.createStatement()) {
                        return "ok " + s.executeUpdate("  -- touch it\n  UPDATE orders SET touched = touched + 1 WHERE request_id = '"
                                + id.replace("'", "''") + "'");
                    }
                });
                step(results, db + ".batch", () -> {
                    try (PreparedStatement s = connection.prepareStatement(
                            "INSERT INTO orders (request_id, method, touched) VALUES (?, ?, 0)")) {
                        for (int line = 1; line <= 2; line++) {
                            s.setString(1, id + "/line-" + line);
                            s.setString(2, method);
                            s.addBatch();
                        }
                        return "ok " + s.executeBatch().length;
                    }
                });
                step(results, db + ".query", () -> {
                    try (PreparedStatement s = connection.prepareStatement(
                            "/* the order */ SELECT touched FROM orders WHERE request_id = ?")) {
                        s.setString(1, id);
                        try (ResultSet rs = s.executeQuery()) {
                            return rs.next() ? "ok touched " + rs.getInt(1) : "ok none";
                        }
                    }
                });
            } catch (Exception e) {
                results.put(db + ".connect", Json.message(e));
            }
        }
        if (client != null) {
            step(results, "http.get", () -> "ok " + clients.call(client, echoUrl, List.of()).length() + " bytes");
            step(results, "http.post", () -> "ok " + clients.post(client, echoUrl, "order " + id).length() + " bytes");
        }
        StringBuilder json = new StringBuilder("{");
        String separator = "";
        for (Map.Entry<String, String> e : results.entrySet()) {
            json.append(separator).append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
            separator = ",";
        }
        String answer = json.append('}').toString();
        System.out.println("[front] orders x-request-id=" + id + " results " + answer);
        return answer;
    }

    @FunctionalInterface
    private interface Step {
        String run() throws Exception;
    }

    private static void step(Map<String, String> results, String name, Step step) {
        try {
            results.put(name, step.run());
        } catch (Exception e) {
            results.put(name, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
