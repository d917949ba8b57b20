package io.graylane.agent;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.pool.TypePool;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * Type descriptions resolved while matching (super classes and interfaces of every class that
 * loads) are kept per class loader, so each is parsed once rather than once per subclass. The
 * loader is held weakly and each cache softly: the memory goes back to the application under pressure.
 */
final class TypePoolCache extends AgentBuilder.PoolStrategy.WithTypePoolCache {

    private final TypePool.CacheProvider bootstrap = new TypePool.CacheProvider.Simple.UsingSoftReference();
    private final Map<ClassLoader, TypePool.CacheProvider> byLoader = new WeakHashMap<>();

    TypePoolCache() {
        super(TypePool.Default.ReaderMode.FAST);
    }

    @Override
    protected TypePool.CacheProvider locate(ClassLoader classLoader) {
        if (classLoader == null) return bootstrap;
        synchronized (byLoader) {
            TypePool.CacheProvider cache = byLoader.get(classLoader);
            if (cache == null) {
                cache = new TypePool.CacheProvider.Simple.UsingSoftReference();
                byLoader.put(classLoader, cache);
            }
            return cache;
        }
    }
}
