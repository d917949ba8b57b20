package io.graylane.samples.coexist;

/** What the class generated for each request implements: the outbound call, made inside generated code. */
public interface BackendCall {

    String call() throws Exception;
}
