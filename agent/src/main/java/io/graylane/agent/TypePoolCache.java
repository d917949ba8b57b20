package io.graylane.agent;

import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Type descriptions resolved while matching (super classes and interfaces of every class that
 * loads) are kept per class loader, so each is parsed once rather than once per subclass. The
 * loader is held weakly and each cache softly: the memory goes back to the application under pressure.
 * Nothing reachable from a cache may hold its loader strongly, or the weak key would never clear and an
 * undeployed web application would stay in memory: a cache refers to its loader weakly, and the pools that
 * fill it (whose type descriptions keep them) must read class files through a weakly referencing
 * locator ({@code ClassFileLocator.ForClassLoader.WeaklyReferenced}).
 *
 * <p>A type whose class file cannot be located is described from its loaded class. Another agent may
 * define types at run time that have no class file, such as the interfaces the OpenTelemetry agent
 * adds to the classes it instruments; without the fallback, the hierarchy of every class that agent
 * instrumented first could not be resolved, and graylane would skip those classes. The loader is only
 * asked for a type whose class file it does not have, which in practice means a type already defined.
 */
final class TypePoolCache {

    /** Made with the first type described (Byte Buddy's classes load no earlier). */
    private TypePool.CacheProvider bootstrap;
    private final Map<ClassLoader, TypePool.CacheProvider> byLoader = new WeakHashMap<>();

    /** A pool that reads class files through {@code locator} and shares the cache of {@code classLoader}'s types. */
    TypePool typePool(ClassFileLocator locator, ClassLoader classLoader) {
        return new TypePool.Default.WithLazyResolution(locate(classLoader), locator, TypePool.Default.ReaderMode.FAST);
    }

    private TypePool.CacheProvider locate(ClassLoader classLoader) {
        synchronized (byLoader) {
            if (classLoader == null) {
                if (bootstrap == null) bootstrap = new WithLoadedTypeFallback(null);
                return bootstrap;
            }
            TypePool.CacheProvider cache = byLoader.get(classLoader);
            if (cache == null) {
                cache = new WithLoadedTypeFallback(classLoader);
                byLoader.put(classLoader, cache);
            }
            return cache;
        }
    }

    /** The pool caches every resolution it makes: an unresolved one is replaced here, before it is cached. */
    private static final class WithLoadedTypeFallback implements TypePool.CacheProvider {
        private final TypePool.CacheProvider cache = new TypePool.CacheProvider.Simple.UsingSoftReference();
        /** Weak: this cache is the value of its loader's entry in a weak map, which a strong reference would pin. */
        private final WeakReference<ClassLoader> classLoader;

        WithLoadedTypeFallback(ClassLoader classLoader) {
            this.classLoader = new WeakReference<>(classLoader);
        }

        @Override
        public TypePool.Resolution find(String name) {
            return cache.find(name);
        }

        @Override
        public TypePool.Resolution register(String name, TypePool.Resolution resolution) {
            if (!resolution.isResolved()) {
                try {
                    resolution = new TypePool.Resolution.Simple(
                            TypeDescription.ForLoadedType.of(Class.forName(name, false, classLoader.get())));
                } catch (ClassNotFoundException | LinkageError notDefined) {
                    // stays unresolved
                }
            }
            return cache.register(name, resolution);
        }

        @Override
        public void clear() {
            cache.clear();
        }
    }
}
