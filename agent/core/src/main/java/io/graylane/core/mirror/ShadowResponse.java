package io.graylane.core.mirror;

/**
 * The response wrapper of a selected request whose answer is compared (graylane.mirror.compare), as the capture sees
 * it: when the request is over it hands the {@link PrimaryAnswer} the response's status and headers.
 */
public interface ShadowResponse {

    void finishAnswer();
}
