package io.graylane.core;

/** Ends what an inbound hook started: the request is over and its thread has no context left. */
public interface Scope {
    void close();
}
