package io.graylane.samples;

/**
 * The address the sample services listen on: loopback unless the environment variable {@code SAMPLE_BIND_ADDRESS}
 * names another ({@code 0.0.0.0} in a container, where the pod's sidecar and other pods must reach the service).
 */
final class BindAddress {

    static final String VARIABLE = "SAMPLE_BIND_ADDRESS";

    private BindAddress() {
    }

    static String get() {
        String address = System.getenv(VARIABLE);
        return address == null || address.isBlank() ? "127.0.0.1" : address.trim();
    }
}
