package io.graylane.agent;

import net.bytebuddy.matcher.ElementMatcher;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * A cheap gate in front of hierarchy matchers: a class loader that cannot see the library's
 * marker class cannot define its subtypes, so its classes are never walked.
 */
public final class ClassLoaders {

    private ClassLoaders() {}

    /** Matches class loaders (not the bootstrap loader) that can load {@code className}. */
    public static ElementMatcher<ClassLoader> canSee(final String className) {
        final String resource = className.replace('.', '/') + ".class";
        return new ElementMatcher<ClassLoader>() {
            // weak keys: an entry lives as long as its class loader, so the map is bounded by live loaders
            private final Map<ClassLoader, Boolean> seen = new WeakHashMap<>();

            @Override
            public boolean matches(ClassLoader loader) {
                if (loader == null) return false;
                synchronized (seen) {
                    Boolean known = seen.get(loader);
                    if (known != null) return known;
                }
                boolean found;
                try {
                    found = loader.getResource(resource) != null;
                } catch (RuntimeException e) {
                    found = false;
                }
                synchronized (seen) {
                    seen.put(loader, found);
                }
                return found;
            }

            @Override
            public String toString() {
                return "canSee(" + className + ")";
            }
        };
    }
}
