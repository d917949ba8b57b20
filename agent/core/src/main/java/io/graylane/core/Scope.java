package io.graylane.core;

/** Ends what an inbound hook started: the thread's previous context comes back. */
public interface Scope {
    void close();
}
