package io.graylane.core.mirror;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShadowClientTest {

    private static final byte[] HEAD = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] BODY = "hello".getBytes(StandardCharsets.ISO_8859_1);

    private TargetServer target;
    private ShadowClient client;

    private ShadowClient client(int port) throws IOException {
        client = new ShadowClient("127.0.0.1", port);
        return client;
    }

    @AfterEach
    void close() throws IOException {
        if (client != null) client.close();
        if (target != null) target.close();
    }

    @Test
    void sendsTheBytesAndReturnsTheStatus() throws Exception {
        target = new TargetServer();
        assertEquals(200, client(target.port()).send(HEAD, BODY, BODY.length, 10_000, false));
        TargetServer.Received got = target.next(5);
        assertEquals("POST /x HTTP/1.1", got.requestLine());
        assertArrayEquals(BODY, got.body);

        target.answer = "HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\nfail";
        assertEquals(500, client.send(HEAD, BODY, BODY.length, 10_000, false));
    }

    @Test
    void aCompleteResponseEndsTheExchangeWithoutWaitingForTheServerToClose() throws Exception {
        target = new TargetServer();
        // the connection is closed only after 60 s (see TargetServer): the client must stop at the end of the response
        target.answer = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        long start = System.nanoTime();
        assertEquals(200, client(target.port()).send(HEAD, BODY, BODY.length, 30_000, false));
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "returned at the end of the chunked body");
    }

    @Test
    void refusedAndSilentTargetsFailWithinTheTimeout() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        assertThrows(IOException.class, () -> client(closedPort).send(HEAD, BODY, BODY.length, 5_000, false));
        client.close();

        target = new TargetServer();
        target.answer = null; // reads the request, never answers
        long start = System.nanoTime();
        assertThrows(SocketTimeoutException.class, () -> client(target.port()).send(HEAD, BODY, BODY.length, 300, false));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 290, "waited the timeout: " + millis);
    }

    @Test
    void aTargetThatStopsReadingCannotHoldASenderPastTheTimeout() throws Exception {
        target = new TargetServer();
        target.read = false;
        byte[] big = new byte[32 * 1024 * 1024];
        long start = System.nanoTime();
        assertThrows(SocketTimeoutException.class, () -> client(target.port()).send(HEAD, big, big.length, 500, false));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 30_000, "bounded by the timeout, not by the target: " + millis);
    }

    @Test
    void garbageIsNotAnAnswer() throws Exception {
        target = new TargetServer();
        target.answer = "SSH-2.0-OpenSSH\r\n\r\n";
        assertThrows(IOException.class, () -> client(target.port()).send(HEAD, BODY, BODY.length, 5_000, false));
    }

    @Test
    void successiveCopiesShareOneConnectionWhenTheResponsesEndExactly() throws Exception {
        target = new TargetServer();
        target.keepAlive = true;
        target.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        client(target.port());
        for (int i = 0; i < 5; i++) assertEquals(200, client.send(HEAD, BODY, BODY.length, 10_000, false));
        // a chunked body with an extension and a trailer, read to its exact end, leaves the connection usable too
        target.answer = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n";
        for (int i = 0; i < 3; i++) assertEquals(201, client.send(HEAD, BODY, BODY.length, 10_000, false));
        for (int i = 0; i < 8; i++) assertArrayEquals(BODY, target.next(5).body, "copy " + i);
        assertEquals(1, target.connections.get(), "one connection for eight copies");
        assertEquals(1, client.connections());
    }

    @Test
    void aConnectionIsNotReusedAfterCloseOrAnUnframedBody() throws Exception {
        target = new TargetServer();
        target.keepAlive = true;
        target.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        client(target.port());
        assertEquals(200, client.send(HEAD, BODY, BODY.length, 10_000, false));
        assertEquals(200, client.send(HEAD, BODY, BODY.length, 10_000, false));
        assertEquals(2, client.connections(), "Connection: close is honoured");
        target.answer = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";
        assertEquals(200, client.send(HEAD, BODY, BODY.length, 10_000, false));
        assertEquals(200, client.send(HEAD, BODY, BODY.length, 10_000, false));
        assertEquals(4, client.connections(), "an HTTP/1.0 answer ends the connection");
        target.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
        assertEquals(200, client.send(HEAD, BODY, BODY.length, 10_000, false));
        assertEquals(200, client.send(HEAD, BODY, BODY.length, 10_000, false));
        assertEquals(6, client.connections(), "bytes beyond the response leave the stream's position unknown");
        for (int i = 0; i < 6; i++) assertArrayEquals(BODY, target.next(5).body, "copy " + i);
    }

    @Test
    void aKeptConnectionTheTargetClosedWhileIdleIsReplacedAndTheCopySentOnce() throws Exception {
        target = new TargetServer();
        target.keepAlive = false; // answers without Connection: close, then closes: an idle timeout of zero
        target.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        client(target.port());
        assertEquals(200, client.send(HEAD, BODY, BODY.length, 10_000, false));
        assertArrayEquals(BODY, target.next(5).body);
        long until = System.nanoTime() + 5_000_000_000L;
        while (target.connections.get() < 1 && System.nanoTime() < until) Thread.sleep(10);
        Thread.sleep(200); // the server's close reaches the client
        assertEquals(200, client.send(HEAD, BODY, BODY.length, 10_000, false));
        assertArrayEquals(BODY, target.next(5).body);
        assertEquals(null, target.next(1), "each copy arrived exactly once");
        assertEquals(2, client.connections());
    }

    @Test
    void malformedChunksFailTheCopy() throws Exception {
        target = new TargetServer();
        target.answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n";
        assertThrows(IOException.class, () -> client(target.port()).send(HEAD, BODY, BODY.length, 5_000, false));
    }

    @Test
    void afterAFailedConnectCopiesFailAtOnceForAMomentThenTheTargetIsTriedAgain() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        client(port);
        assertThrows(IOException.class, () -> client.send(HEAD, BODY, BODY.length, 5_000, false));
        assertEquals(1, client.connections());
        IOException quick = assertThrows(ShadowClient.TargetDown.class, () -> client.send(HEAD, BODY, BODY.length, 5_000, false));
        assertTrue(quick.getMessage().contains("last connect failed"), quick.getMessage());
        assertEquals(1, client.connections(), "no socket while backing off");
        Thread.sleep(60);
        assertThrows(IOException.class, () -> client.send(HEAD, BODY, BODY.length, 5_000, false));
        assertEquals(2, client.connections(), "tried again after the back-off");
    }
}
