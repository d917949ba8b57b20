package io.graylane.core.mirror;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The primary's answer as the response wrapper keeps it: bounded, reset with the response, encoded as sent. */
class PrimaryAnswerTest {

    private static final String[] NAMES = {"Content-Type"};
    private static final String[] VALUES = {"application/json"};

    private static String body(Answer a) {
        return new String(a.body, 0, a.length, StandardCharsets.UTF_8);
    }

    @Test
    void bytesAndCharactersAsTheResponseSentThem() {
        PrimaryAnswer p = new PrimaryAnswer(100);
        p.bodyOpened();
        p.write("{\"a\":\"é\"}", 0, 9);
        p.finish(200, NAMES, VALUES, 1, "UTF-8");
        assertEquals(Answer.COMPLETE, p.answer().state);
        assertEquals("{\"a\":\"é\"}", body(p.answer()));
        PrimaryAnswer s = new PrimaryAnswer(100);
        s.bodyOpened();
        s.write("ab".getBytes(StandardCharsets.UTF_8), 0, 2);
        s.write('c');
        s.finish(201, NAMES, VALUES, 1, null);
        assertEquals("abc", body(s.answer()));
        assertEquals(201, s.answer().status);
    }

    @Test
    void resetDropsWhatWasWrittenAndTheLimitHolds() {
        PrimaryAnswer p = new PrimaryAnswer(10);
        p.bodyOpened();
        p.write("0123456789".toCharArray(), 0, 10);
        p.reset();
        p.write("ok".toCharArray(), 0, 2);
        p.finish(200, NAMES, VALUES, 1, "UTF-8");
        assertEquals("ok", body(p.answer()));
        PrimaryAnswer big = new PrimaryAnswer(10);
        big.bodyOpened();
        big.write(new byte[11], 0, 11);
        big.finish(200, NAMES, VALUES, 1, "UTF-8");
        assertEquals(Answer.TOO_LARGE, big.answer().state);
        PrimaryAnswer wide = new PrimaryAnswer(10); // 6 characters, 12 bytes in UTF-8
        wide.bodyOpened();
        wide.write("éééééé", 0, 6);
        wide.finish(200, NAMES, VALUES, 1, "UTF-8");
        assertEquals(Answer.TOO_LARGE, wide.answer().state);
    }

    @Test
    void aBodyNotWrittenThroughTheWrapperIsUnknown() {
        PrimaryAnswer none = new PrimaryAnswer(10);
        none.finish(404, NAMES, VALUES, 1, "UTF-8");
        assertEquals(Answer.BODY_UNKNOWN, none.answer().state);
        PrimaryAnswer error = new PrimaryAnswer(10);
        error.bodyOpened();
        error.bodyUnknown();
        error.finish(500, NAMES, VALUES, 1, "UTF-8");
        assertEquals(Answer.BODY_UNKNOWN, error.answer().state);
    }
}
