package io.graylane.agent;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Java 9+: advice inlined into a class of a named module (the JDK's java.base or java.net.http, a library on the
 * module path) calls graylane's core, which lives in the bootstrap loader's unnamed module; a named module reads that
 * module only when told to. Before such a class is transformed, its module is made to read graylane's, through
 * {@link Instrumentation}. Java 8 has no modules: {@link #of} returns null. Reflective, as the agent is compiled for
 * Java 8.
 */
final class ReadEdges {

    private final Instrumentation instrumentation;
    private final Object target;
    private final Method getModule;
    private final Method isNamed;
    private final Method canRead;
    private final Method moduleLoader;
    private final Method redefineModule;
    private final Object bootLayer;
    private final Method layerModules;
    private final Method packages;
    /** Modules known to read {@link #target}; identity, like modules themselves. */
    private final Map<Object, Boolean> reading = new IdentityHashMap<>();
    /** Package name to named module of the boot layer, made on first use. */
    private Map<String, Object> bootPackages;

    private ReadEdges(Instrumentation instrumentation, Class<?> target) throws ReflectiveOperationException {
        this.instrumentation = instrumentation;
        getModule = Class.class.getMethod("getModule");
        Class<?> moduleType = getModule.getReturnType();
        this.target = getModule.invoke(target);
        isNamed = moduleType.getMethod("isNamed");
        canRead = moduleType.getMethod("canRead", moduleType);
        moduleLoader = moduleType.getMethod("getClassLoader");
        packages = moduleType.getMethod("getPackages");
        redefineModule = Instrumentation.class.getMethod("redefineModule", moduleType, Set.class, Map.class, Map.class,
                Set.class, Map.class);
        Class<?> layerType = Class.forName("java.lang.ModuleLayer");
        bootLayer = layerType.getMethod("boot").invoke(null);
        layerModules = layerType.getMethod("modules");
    }

    /** Null on Java 8. */
    static ReadEdges of(Instrumentation instrumentation, Class<?> target) {
        try {
            return new ReadEdges(instrumentation, target);
        } catch (ReflectiveOperationException java8) {
            return null;
        }
    }

    /** Before a loaded class is retransformed. */
    void assureFor(Class<?> type) throws ReflectiveOperationException {
        assure(getModule.invoke(type));
    }

    /** Before a class being loaded is transformed: the boot layer's named module that holds its package, if any. */
    void assureFor(ClassLoader loader, String binaryName) throws ReflectiveOperationException {
        int dot = binaryName.lastIndexOf('.');
        if (dot < 0) return;
        Object module = bootPackages().get(binaryName.substring(0, dot));
        if (module != null && moduleLoader.invoke(module) == loader) assure(module);
    }

    private synchronized void assure(Object module) throws ReflectiveOperationException {
        if (reading.containsKey(module) || !(Boolean) isNamed.invoke(module)) return;
        if (!(Boolean) canRead.invoke(module, target)) {
            redefineModule.invoke(instrumentation, module, Collections.singleton(target), Collections.emptyMap(),
                    Collections.emptyMap(), Collections.emptySet(), Collections.emptyMap());
        }
        reading.put(module, Boolean.TRUE);
    }

    private synchronized Map<String, Object> bootPackages() throws ReflectiveOperationException {
        if (bootPackages == null) {
            Map<String, Object> map = new HashMap<>();
            for (Object module : (Set<?>) layerModules.invoke(bootLayer)) {
                for (Object name : (Set<?>) packages.invoke(module)) map.put((String) name, module);
            }
            bootPackages = map;
        }
        return bootPackages;
    }
}
