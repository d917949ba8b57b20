package io.graylane.core.mirror;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The copy's whole answer, for comparison (graylane.mirror.compare): bounded, and whole or marked as not. */
class ShadowClientAnswerTest {

    private static final byte[] HEAD = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private TargetServer target;
    private ShadowClient client;

    @AfterEach
    void close() throws IOException {
        if (client != null) client.close();
        if (target != null) target.close();
        client = null;
        target = null;
    }

    private Answer answer(String raw, int maxBody) throws IOException {
        if (target == null) target = new TargetServer();
        target.answer = raw;
        if (client == null) client = new ShadowClient("127.0.0.1", target.port());
        return client.answer(HEAD, null, 0, 5_000, false, maxBody);
    }

    private static String body(Answer a) {
        return new String(a.body, 0, a.length, StandardCharsets.ISO_8859_1);
    }

    @Test
    void lengthChunkedAndEndOfStreamBodiesAreReadWhole() throws Exception {
        Answer a = answer("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 7\r\n"
                + "Connection: close\r\n\r\n{\"a\":1}", 1024);
        assertEquals(Answer.COMPLETE, a.state);
        assertEquals(201, a.status);
        assertEquals("{\"a\":1}", body(a));
        assertEquals("application/json", a.header("content-type"));
        assertEquals("1, 2", a.headerValues("x-a"));
        close();
        a = answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nT: 1\r\n\r\n", 1024);
        assertEquals(Answer.COMPLETE, a.state, a.problem);
        assertEquals("abcdefg", body(a));
        assertNull(a.header("continue"));
        close();
        a = answer("HTTP/1.0 200 OK\r\n\r\nuntil the end", 1024);
        assertEquals(Answer.COMPLETE, a.state, a.problem);
        assertEquals("until the end", body(a));
    }

    @Test
    void aBodyCutShortIsIncompleteAndALongOneTooLarge() throws Exception {
        Answer a = answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"a\":", 1024);
        assertEquals(Answer.INCOMPLETE, a.state);
        close();
        a = answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n", 1024);
        assertEquals(Answer.INCOMPLETE, a.state);
        close();
        a = answer("HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world", 10);
        assertEquals(Answer.TOO_LARGE, a.state);
        assertNull(a.body);
        close();
        a = answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhelloworld", 10);
        assertEquals(Answer.COMPLETE, a.state);
        close();
        a = answer("HTTP/1.0 200 OK\r\n\r\n0123456789X", 10);
        assertEquals(Answer.TOO_LARGE, a.state);
    }

    @Test
    void noHttpAnswerIsFailedNeverAnException() throws Exception {
        Answer a = answer("SSH-2.0-OpenSSH\r\n\r\n", 1024);
        assertEquals(Answer.FAILED, a.state);
        close();
        a = answer(null, 1024); // never answers: the deadline
        assertEquals(Answer.FAILED, a.state);
    }

    @Test
    void theConnectionIsKeptAfterAWholeAnswer() throws Exception {
        target = new TargetServer();
        target.keepAlive = true;
        for (int i = 0; i < 3; i++) {
            Answer a = answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 1024);
            assertEquals("ok", body(a));
        }
        assertEquals(1, client.connections());
    }
}
