package io.graylane.agent;

import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

import java.lang.ref.WeakReference;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Type descriptions resolved while matching (super classes and interfaces of every class that
 * loads) are kept per class loader, so the types many classes share are parsed once rather than once
 * per subclass. A description holds a token for every method and field of its type (Reactor's Flux
 * alone has hundreds): each loader keeps only the {@value #TYPES_PER_LOADER} it used last, which holds
 * the shared super types and keeps graylane's heap small (on a WebFlux service the live heap with the
 * agent went from 20.2 to 17.7 MB, against 12.9 MB without it, when descriptions were no longer kept
 * until memory ran short). The loader is held weakly.
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

    /** How many type descriptions each class loader's cache keeps, the most recently used. */
    static final int TYPES_PER_LOADER = 64;

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
        private final Map<String, TypePool.Resolution> cache = new LinkedHashMap<String, TypePool.Resolution>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, TypePool.Resolution> eldest) {
                return size() > TYPES_PER_LOADER;
            }
        };
        /** Weak: this cache is the value of its loader's entry in a weak map, which a strong reference would pin. */
        private final WeakReference<ClassLoader> classLoader;

        WithLoadedTypeFallback(ClassLoader classLoader) {
            this.classLoader = new WeakReference<>(classLoader);
        }

        @Override
        public TypePool.Resolution find(String name) {
            synchronized (cache) {
                return cache.get(name);
            }
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
            synchronized (cache) {
                TypePool.Resolution known = cache.get(name);
                if (known != null) return known; // another thread resolved it meanwhile: keep one description
                cache.put(name, resolution);
            }
            return resolution;
        }

        @Override
        public void clear() {
            synchronized (cache) {
                cache.clear();
            }
        }
    }
}
