package io.graylane.core.mirror;

/**
 * The request wrapper a servlet hook puts around a selected request (a helper class in the application's class
 * loader). graylane calls it when the outermost filter or servlet call returns.
 */
public interface ShadowRequest {

    /**
     * The primary request's outermost call returned: build the copy now, or, when the request went asynchronous,
     * once its async cycle completes. Never throws.
     */
    void primaryReturned();
}
