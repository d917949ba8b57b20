package io.graylane.samples;

import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;

/**
 * Helpers for scripts: {@code FreePort} prints a free loopback port; {@code FreePort --check PORT}
 * exits 0 when http://127.0.0.1:PORT/health answers 200.
 */
public final class FreePort {

    private FreePort() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--check")) {
            try {
                HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + args[1] + "/health").openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(1000);
                System.exit(c.getResponseCode() == 200 ? 0 : 1);
            } catch (Exception e) {
                System.exit(1);
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            System.out.println(socket.getLocalPort());
        }
    }
}
