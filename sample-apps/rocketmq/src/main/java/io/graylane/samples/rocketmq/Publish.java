package io.graylane.samples.rocketmq;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The demo's client ({@code demo.sh kafka}): {@code Publish FRONT_URL TOPIC VALUE [NAME:VALUE...]} asks the Kafka
 * front to publish VALUE on TOPIC (MODE: sync, async, oneway or batch), with the given request headers, and prints the request and the front's answer.
 */
public final class Publish {

    private Publish() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: Publish FRONT_URL TOPIC VALUE MODE [NAME:VALUE...]");
            System.exit(2);
        }
        String url = args[0].replaceAll("/+$", "") + "/publish?topic=" + URLEncoder.encode(args[1], StandardCharsets.UTF_8)
                + "&value=" + URLEncoder.encode(args[2], StandardCharsets.UTF_8) + "&mode=" + args[3];
        HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
        StringBuilder sent = new StringBuilder();
        for (int i = 4; i < args.length; i++) {
            int colon = args[i].indexOf(':');
            connection.setRequestProperty(args[i].substring(0, colon), args[i].substring(colon + 1).trim());
            sent.append(sent.length() == 0 ? "" : ", ").append(args[i]);
        }
        try (InputStream in = connection.getInputStream()) {
            System.out.println("GET /publish " + args[2] + " " + args[3] + " (" + (sent.length() == 0 ? "no headers" : sent) + ") -> "
                    + new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
