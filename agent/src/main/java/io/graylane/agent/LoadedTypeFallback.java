package io.graylane.agent;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

/**
 * Byte Buddy's FAST type pool (types described lazily from their class files) with one fallback:
 * a type whose class file cannot be located is described from its loaded class. Another agent may
 * define types at run time that have no class file, such as the interfaces the OpenTelemetry agent
 * adds to the classes it instruments ({@code VirtualFieldAccessor$...}); without the fallback, the
 * hierarchy of every class that agent instrumented first could not be resolved, and graylane would
 * skip those classes (HttpURLConnection, executors' tasks, servlets, when OpenTelemetry's agent comes
 * first on the command line). The class loader is only asked for a type whose class file it does
 * not have, which in practice means a type already defined.
 */
final class LoadedTypeFallback implements AgentBuilder.PoolStrategy {

    static final LoadedTypeFallback INSTANCE = new LoadedTypeFallback();

    private LoadedTypeFallback() {}

    @Override
    public TypePool typePool(ClassFileLocator classFileLocator, ClassLoader classLoader) {
        return new TypePool.Default.WithLazyResolution(new Cache(classLoader), classFileLocator,
                TypePool.Default.ReaderMode.FAST);
    }

    @Override
    public TypePool typePool(ClassFileLocator classFileLocator, ClassLoader classLoader, String name) {
        return typePool(classFileLocator, classLoader);
    }

    /** The pool caches every resolution it makes: an unresolved one is replaced here, before it is cached. */
    private static final class Cache implements TypePool.CacheProvider {
        private final TypePool.CacheProvider cache = TypePool.CacheProvider.Simple.withObjectType();
        private final ClassLoader classLoader;

        Cache(ClassLoader classLoader) {
            this.classLoader = classLoader;
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
                            TypeDescription.ForLoadedType.of(Class.forName(name, false, classLoader)));
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
