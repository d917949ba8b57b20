package io.graylane.agent;

import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import io.graylane.core.log.Log;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Defines helper classes in the class loader of the library they extend, once per loader, before the
 * library's instrumented type is defined: for code that has to be a real class implementing a library
 * interface (a gRPC {@code ServerInterceptor}), which advice cannot be.
 *
 * <p>Helpers live in the agent jar under {@value #HELPERS}, not at their class path: the agent jar is on
 * the bootstrap class path, and the bootstrap loader must never define a helper itself, since it cannot
 * see the library types a helper refers to. A helper is named like any graylane class (so the one
 * {@code ignore()} matcher skips it) and refers to {@code io.graylane.core}, which every loader reaches
 * through the bootstrap loader.
 *
 * <p>Injection calls {@code ClassLoader.defineClass} by reflection, {@code java.lang} being opened to the agent
 * through {@link Instrumentation} (Byte Buddy's {@code ClassInjector}s reach for {@code sun.misc.Unsafe} on
 * Java 9+, which JDK 24+ reports on the application's stderr). When that is impossible, or the library sits
 * on the bootstrap class path, the transformer throws: the type is then left as it was and the failure is
 * logged, so the advice that needs the helpers is never applied.
 */
public final class HelperInjector implements TypeTransformer {

    /** Where helper class files are kept in the agent jar (see agent/pom.xml). */
    static final String HELPERS = "META-INF/graylane/helpers/";

    private final Injection injection;
    private final Map<String, byte[]> classes;
    /** Loaders already given the helpers; weak keys, so an entry lives as long as its loader. */
    private final Map<ClassLoader, Boolean> injected = Collections.synchronizedMap(new WeakHashMap<ClassLoader, Boolean>());

    private HelperInjector(Injection injection, Map<String, byte[]> classes) {
        this.injection = injection;
        this.classes = classes;
    }

    @Override
    public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type, ClassLoader loader,
                                            ProtectionDomain protectionDomain) {
        prepare(type.getName(), loader, protectionDomain);
        return builder;
    }

    /** Helpers are defined beside the class; its class file stays as it is. */
    @Override
    public String changes() {
        return null;
    }

    @Override
    public void prepare(String typeName, ClassLoader loader, ProtectionDomain protectionDomain) {
        if (loader == null) {
            throw new IllegalStateException(typeName + " is on the bootstrap class path, where helpers "
                    + classes.keySet() + " cannot be defined");
        }
        if (injected.containsKey(loader)) return;
        // the loader's own monitor, as Byte Buddy's injectors and non-parallel loaders use: no second lock to order
        synchronized (loader) {
            if (!injected.containsKey(loader)) {
                injection.inject(loader, protectionDomain, classes);
                injected.put(loader, Boolean.TRUE);
            }
        }
    }

    /** How classes are defined in a foreign loader; resolved once per agent, when the first helper is injected. */
    static final class Injection {
        private final Instrumentation instrumentation;
        private final JarFile agentJar;
        private boolean prepared;
        private Method defineClass;
        private Method findLoadedClass;

        Injection(Instrumentation instrumentation, JarFile agentJar) {
            this.instrumentation = instrumentation;
            this.agentJar = agentJar;
        }

        /** Opens {@code java.lang} to graylane and finds the two ClassLoader methods; logs once when that fails. */
        private synchronized void prepare() {
            if (prepared) return;
            prepared = true;
            try {
                openJavaLangToAgent(instrumentation);
                Method define = ClassLoader.class.getDeclaredMethod("defineClass",
                        String.class, byte[].class, int.class, int.class, ProtectionDomain.class);
                Method find = ClassLoader.class.getDeclaredMethod("findLoadedClass", String.class);
                define.setAccessible(true);
                find.setAccessible(true);
                defineClass = define;
                findLoadedClass = find;
            } catch (Exception | LinkageError e) {
                Log.warn("helper classes cannot be injected (" + e + "); instrumentations that need them are not applied");
            }
        }

        /**
         * Java 9+: {@code java.base} opens {@code java.lang} to graylane's module (the bootstrap loader's unnamed
         * module), through the Instrumentation API, so the two protected ClassLoader methods may be called by
         * reflection; no Unsafe, no warning. Java 8 has no modules: nothing to open. Called reflectively, as the
         * agent is compiled for Java 8.
         */
        private static void openJavaLangToAgent(Instrumentation instrumentation) throws Exception {
            Method getModule;
            try {
                getModule = Class.class.getMethod("getModule");
            } catch (NoSuchMethodException java8) {
                return;
            }
            Class<?> moduleType = getModule.getReturnType();
            Object javaBase = getModule.invoke(ClassLoader.class);
            Object agent = getModule.invoke(HelperInjector.class);
            Method redefineModule = Instrumentation.class.getMethod("redefineModule", moduleType, Set.class, Map.class,
                    Map.class, Set.class, Map.class);
            redefineModule.invoke(instrumentation, javaBase, Collections.emptySet(), Collections.emptyMap(),
                    Collections.singletonMap("java.lang", Collections.singleton(agent)), Collections.emptySet(),
                    Collections.emptyMap());
        }

        /** A transformer that injects {@code classNames} (binary names) into each loader it sees. */
        HelperInjector helpers(String... classNames) {
            Map<String, byte[]> classes = new LinkedHashMap<>();
            for (String name : classNames) classes.put(name, read(name));
            return new HelperInjector(this, Collections.unmodifiableMap(classes));
        }

        void inject(ClassLoader loader, ProtectionDomain protectionDomain, Map<String, byte[]> classes) {
            prepare();
            if (defineClass == null) {
                throw new IllegalStateException("helper classes " + classes.keySet() + " cannot be defined in " + loader);
            }
            try {
                for (Map.Entry<String, byte[]> helper : classes.entrySet()) {
                    if (findLoadedClass.invoke(loader, helper.getKey()) != null) continue;
                    byte[] bytes = helper.getValue();
                    defineClass.invoke(loader, helper.getKey(), bytes, 0, bytes.length, protectionDomain);
                }
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("cannot define helper classes " + classes.keySet() + " in " + loader,
                        e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot define helper classes " + classes.keySet() + " in " + loader, e);
            }
        }

        private byte[] read(String className) {
            String entryName = HELPERS + className.replace('.', '/') + ".class";
            JarEntry entry = agentJar.getJarEntry(entryName);
            if (entry == null) {
                throw new IllegalStateException("helper " + className + " is missing from the agent jar (" + entryName + ")");
            }
            try (InputStream in = agentJar.getInputStream(entry)) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) > 0; ) bytes.write(buffer, 0, n);
                return bytes.toByteArray();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read helper " + className + " from the agent jar", e);
            }
        }
    }
}
