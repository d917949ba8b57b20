package io.graylane.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HandoffTest {

    private static final TrafficContext CONTEXT =
            new TrafficContext("lane-a", new String[] {"x-asm-traffic-tag"}, new String[] {"lane-a"});

    @Test
    void aContextIsTakenOnceForItsOwnOperation() {
        CompletableFuture<String> operation = new CompletableFuture<>();
        CompletableFuture<String> other = new CompletableFuture<>();
        int before = Handoff.pending();

        Handoff.put(operation, CONTEXT);

        assertNull(Handoff.take(other));
        assertSame(CONTEXT, Handoff.take(operation));
        assertNull(Handoff.take(operation));
        assertEquals(before, Handoff.pending());
    }

    @Test
    void nullsAreIgnored() {
        int before = Handoff.pending();

        Handoff.put(null, CONTEXT);
        Handoff.put(new Object(), null);

        assertEquals(before, Handoff.pending());
        assertNull(Handoff.take(null));
    }
}
