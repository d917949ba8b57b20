package io.graylane.agent;

import net.bytebuddy.matcher.ElementMatcher;

import java.lang.ref.WeakReference;
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
            /** The loader asked last and its answer: classes load in long runs from one loader, asked without a lock. */
            private volatile Answer last;

            @Override
            public boolean matches(ClassLoader loader) {
                if (loader == null) return false;
                Answer answer = last;
                if (answer != null && answer.loader.get() == loader) return answer.found;
                Boolean known;
                synchronized (seen) {
                    known = seen.get(loader);
                }
                boolean found;
                if (known != null) {
                    found = known;
                } else {
                    try {
                        found = loader.getResource(resource) != null;
                    } catch (RuntimeException e) {
                        found = false;
                    }
                    synchronized (seen) {
                        seen.put(loader, found);
                    }
                }
                last = new Answer(loader, found);
                return found;
            }

            @Override
            public String toString() {
                return "canSee(" + className + ")";
            }
        };
    }

    /** A loader, held weakly (an undeployed application's loader must be collectable), and whether it sees the class. */
    private static final class Answer {
        final WeakReference<ClassLoader> loader;
        final boolean found;

        Answer(ClassLoader loader, boolean found) {
            this.loader = new WeakReference<>(loader);
            this.found = found;
        }
    }
}
