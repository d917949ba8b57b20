package io.graylane.agent;

import io.graylane.core.log.Log;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.TypeResolutionStrategy;
import net.bytebuddy.dynamic.scaffold.MethodGraph;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.pool.TypePool;

import java.io.IOException;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * graylane's one class file transformer. Every class the JVM loads passes the rules' {@link TypeFilter}s and class
 * loader gates, plain string and byte tests; only a class that passes one is described, matched and changed with Byte
 * Buddy, which is loaded on the first such class. Advice is inlined into existing methods of the type as it is
 * ({@code decorate}): no member is added, so a loaded class can be retransformed. With a {@link TransformCache}, a class
 * that an earlier start changed or left alone gets that start's answer without Byte Buddy.
 *
 * <p>Instrumentation starts with the first class of a leading module's library (any module but those that
 * {@linkplain InstrumentationModule#followsOtherModules() follow the others}), or at start-up when the application
 * class loader sees such a library: then the classes already loaded that any rule matches are retransformed, in one
 * batch that is split when the JVM rejects it, and again for classes loaded meanwhile, until none is left.
 *
 * <p>The JVM calls no transformer of this agent for a class loaded while one of its transformers runs (Byte Buddy's
 * own classes, the types it looks at): there is no re-entrance to guard against here.
 */
final class GraylaneTransformer implements ClassFileTransformer {

    /** Never instrumented: graylane's own classes, another agent's, the JDK's reflection and lambda machinery. */
    private static final String[] IGNORED = {"io/graylane/core/", "io/graylane/agent/", "io/graylane/shaded/",
            "io/graylane/otel/", "io/opentelemetry/javaagent/", "net/bytebuddy/", "sun/reflect/", "jdk/internal/reflect/",
            "java/lang/invoke/"};

    /** How long a class that starts instrumentation waits for the classes loaded before it to be retransformed. */
    private static final long ACTIVATION_WAIT_MILLIS = 10_000;

    private final Instrumentation instrumentation;
    private final Rules.Rule[] rules;
    /** The rules whose filter names the classes it lets through, by internal name, each array in rule order. */
    private final Map<String, Rules.Rule[]> rulesByName;
    /** The other rules, in order: their filters test every class. */
    private final Rules.Rule[] rulesTestingEveryName;
    private final TypePoolCache pools;
    private final ReadEdges readEdges;
    /** Null when {@code graylane.cache.dir} is not set. */
    private final TransformCache cache;

    private volatile boolean active;
    private volatile ByteBuddy byteBuddy;

    GraylaneTransformer(Instrumentation instrumentation, List<Rules.Rule> rules, TypePoolCache pools, ReadEdges readEdges,
                        TransformCache cache) {
        this.instrumentation = instrumentation;
        this.rules = rules.toArray(new Rules.Rule[0]);
        Map<String, List<Rules.Rule>> byName = new HashMap<>();
        List<Rules.Rule> testingEveryName = new ArrayList<>();
        for (Rules.Rule rule : rules) {
            Set<String> names = rule.filter.names();
            if (names == null) {
                testingEveryName.add(rule);
                continue;
            }
            for (String name : names) {
                List<Rules.Rule> named = byName.get(name);
                if (named == null) byName.put(name, named = new ArrayList<>(1));
                named.add(rule);
            }
        }
        this.rulesByName = new HashMap<>();
        for (Map.Entry<String, List<Rules.Rule>> entry : byName.entrySet()) {
            rulesByName.put(entry.getKey(), entry.getValue().toArray(new Rules.Rule[0]));
        }
        this.rulesTestingEveryName = testingEveryName.toArray(new Rules.Rule[0]);
        this.pools = pools;
        this.readEdges = readEdges;
        this.cache = cache;
    }

    /**
     * Registers this transformer and starts instrumenting now if a leading module's library is visible to the
     * application class loader (as far as its class-loader gate tells, which every class of that loader asks anyway)
     * or has a type loaded already, or if there is no leading module; otherwise instrumentation starts with the first
     * class of such a library that loads (a library in a nested class loader, a JDK client, an ungated library).
     */
    void install() {
        instrumentation.addTransformer(this, true);
        String cause = startCause();
        if (cause != null) activate(cause);
    }

    private String startCause() {
        boolean leader = false;
        for (Rules.Rule rule : rules) leader |= !rule.follower;
        if (!leader) return "start-up";
        ClassLoader application = ClassLoader.getSystemClassLoader();
        for (Rules.Rule rule : rules) {
            if (!rule.follower && rule.loaders != null && matchesLoader(rule, application)) return rule.toString();
        }
        for (Class<?> type : instrumentation.getAllLoadedClasses()) {
            String name = internalName(type);
            if (name == null || isIgnored(name)) continue;
            List<Rules.Rule> candidates = candidates(name, type.getClassLoader(), null);
            if (candidates == null) continue;
            for (Rules.Rule rule : candidates) {
                if (!rule.follower && rule.filter.matchesLoaded(type)) return type.getName();
            }
        }
        return null;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classFile) {
        if (className == null) return null;
        try {
            List<Rules.Rule> candidates = candidates(className, loader, classBeingRedefined == null ? classFile : null);
            if (candidates == null || isIgnored(className)) return null;
            if (!active) {
                boolean leader = false;
                for (Rules.Rule rule : candidates) leader |= !rule.follower;
                // a follower's class is picked up when instrumentation starts, if it ever does; so is a class that
                // another agent retransforms (starting here would retransform classes inside that retransformation)
                if (!leader || classBeingRedefined != null) return null;
                activateFromTransformer(className.replace('/', '.'));
            }
            String name = className.replace('/', '.');
            TransformCache cache = this.cache;
            return cache == null
                    ? apply(candidates, loader, name, classBeingRedefined, protectionDomain, classFile, null)
                    : throughCache(cache, candidates, loader, name, classBeingRedefined, protectionDomain, classFile);
        } catch (Throwable unexpected) {
            Log.warn("could not instrument " + className.replace('/', '.') + ": " + unexpected);
            return null;
        }
    }

    /**
     * The cached answer for this class file and these candidates, with what the rules that changed it do besides
     * (helpers defined in its loader, module reads); or, for a class not in the cache (or whose changed class file
     * cannot be read from it), the answer of {@link #apply}, kept for the next start.
     */
    private byte[] throughCache(TransformCache cache, List<Rules.Rule> candidates, ClassLoader loader, String name,
                                Class<?> classBeingRedefined, ProtectionDomain protectionDomain, byte[] classFile)
            throws ReflectiveOperationException {
        int[] indexes = new int[candidates.size()];
        for (int i = 0; i < indexes.length; i++) indexes[i] = candidates.get(i).index;
        TransformCache.Entry entry = cache.find(name, classFile, indexes);
        if (entry != null && !entry.isChanged()) return null;
        byte[] changed = null;
        if (entry != null) {
            try {
                changed = cache.changed(entry);
            } catch (IOException unreadable) {
                if (Log.isDebug()) Log.debug("class cache: " + name + " cannot be read (" + unreadable + ")");
            }
        }
        if (changed == null) {
            List<Rules.Rule> matched = new ArrayList<>(2);
            changed = apply(candidates, loader, name, classBeingRedefined, protectionDomain, classFile, matched);
            if (entry == null && (matched.isEmpty() || changed != null)) {
                int[] matchedIndexes = new int[matched.size()];
                for (int i = 0; i < matchedIndexes.length; i++) matchedIndexes[i] = matched.get(i).index;
                cache.add(name, classFile, indexes, matchedIndexes, changed);
            }
            return changed;
        }
        for (int index : entry.matched) {
            for (TypeTransformer transformer : rules[index].transformers) transformer.prepare(name, loader, protectionDomain);
        }
        assureReads(loader, name, classBeingRedefined);
        if (Log.isDebug()) {
            Log.debug("instrumented " + name + (classBeingRedefined != null ? " (retransformed)" : "") + " from the class cache");
        }
        return changed;
    }

    /**
     * Changes the class by every candidate rule that matches it, or returns null (with a warning when that failed).
     *
     * @param matched null, or where the rules that changed the class are added; a null is added after them when it failed
     */
    private byte[] apply(List<Rules.Rule> candidates, ClassLoader loader, String name, Class<?> classBeingRedefined,
                         ProtectionDomain protectionDomain, byte[] classFile, List<Rules.Rule> matched) {
        long start = Log.isDebug() ? System.nanoTime() : 0;
        ClassFileInTransformation own = new ClassFileInTransformation(name, classFile);
        try {
            ClassFileLocator locator = new ClassFileLocator.Compound(own, ClassFileLocator.ForClassLoader.WeaklyReferenced.of(loader));
            TypePool pool = pools.typePool(locator, loader);
            TypeDescription type = pool.describe(name).resolve();
            // a loaded class is matched as it is now, with what another agent may have changed in it; its methods are
            // still taken from the class file: reflection on them would load every type they name (java.lang.VirtualThread
            // names ForkJoinPool, whose methods name ForkJoinTask), before agents that start after graylane could change
            // those types as they load (the TransmittableThreadLocal agent adds a field to ForkJoinTask)
            TypeDescription described = classBeingRedefined != null
                    ? TypeDescription.ForLoadedType.of(classBeingRedefined)
                    : type;
            DynamicType.Builder<?> builder = null;
            for (Rules.Rule rule : candidates) {
                if (!rule.matches(described)) continue;
                if (builder == null) builder = byteBuddy().decorate(type, locator);
                for (TypeTransformer transformer : rule.transformers) {
                    builder = transformer.transform(builder, type, loader, protectionDomain);
                }
                if (matched != null) matched.add(rule);
            }
            if (builder == null) return null;
            assureReads(loader, name, classBeingRedefined);
            byte[] transformed = builder.make(TypeResolutionStrategy.Disabled.INSTANCE, pool).getBytes();
            if (Log.isDebug()) {
                Log.debug("instrumented " + name + (classBeingRedefined != null ? " (retransformed)" : "") + " in "
                        + (System.nanoTime() - start) / 100_000 / 10.0 + " ms");
            }
            return transformed;
        } catch (Throwable failure) {
            if (matched != null) matched.add(null); // not to be cached: the next start tries again
            if (failure instanceof TypePool.Resolution.NoSuchTypeException) {
                // a hierarchy matcher met a class whose super type is missing (Netty's optional Log4J2Logger in
                // every gRPC application): the JVM cannot define that class either, so there is nothing to report
                if (Log.isDebug()) Log.debug("not instrumented " + name + ": " + failure);
            } else {
                Log.warn("could not instrument " + name + ": " + failure);
            }
            return null;
        } finally {
            own.close();
        }
    }

    /** Lets the changed class's module read graylane's, so that its inlined advice can call it. */
    private void assureReads(ClassLoader loader, String name, Class<?> classBeingRedefined) throws ReflectiveOperationException {
        if (readEdges == null) return;
        if (classBeingRedefined != null) readEdges.assureFor(classBeingRedefined);
        else readEdges.assureFor(loader, name);
    }

    /**
     * The class file of the class being transformed, for the time of its transformation. The pool that reads it stays
     * reachable from every type description it makes, and the loader's cache keeps those (the class's super types):
     * holding the bytes for good would keep one class file alive per cached description.
     */
    private static final class ClassFileInTransformation implements ClassFileLocator {
        private final String name;
        private volatile byte[] classFile;

        ClassFileInTransformation(String name, byte[] classFile) {
            this.name = name;
            this.classFile = classFile;
        }

        @Override
        public Resolution locate(String typeName) {
            byte[] bytes = classFile;
            return bytes != null && name.equals(typeName) ? new Resolution.Explicit(bytes) : new Resolution.Illegal(typeName);
        }

        @Override
        public void close() {
            classFile = null;
        }
    }

    private ByteBuddy byteBuddy() {
        ByteBuddy current = byteBuddy;
        if (current == null) {
            // inlined advice only: no auxiliary type, no added member, nothing validated that the JVM checks anyway, and
            // only the type's own methods are visited (no method graph over its whole hierarchy)
            current = new ByteBuddy().with(TypeValidation.DISABLED).with(Implementation.Context.Disabled.Factory.INSTANCE)
                    .with(MethodGraph.Compiler.ForDeclaredMethods.INSTANCE);
            byteBuddy = current;
        }
        return current;
    }

    /** Starts instrumenting: from now on classes are transformed as they load, and those loaded already are retransformed. */
    private synchronized void activate(String cause) {
        if (active) return;
        long start = System.nanoTime();
        active = true;
        int retransformed = retransformLoaded();
        if (Log.isDebug()) {
            Log.debug("instrumentation started by " + cause + ": " + retransformed + " loaded classes retransformed in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
    }

    /**
     * Starts instrumenting from inside {@link #transform}, where the JVM would call no transformer of this agent for
     * the classes retransformed: they are retransformed by another thread, which this one waits for, so they are
     * instrumented before the class that started it all is defined (and can open a context).
     */
    private void activateFromTransformer(final String cause) {
        if (active) return;
        Thread starter = new Thread(new Runnable() {
            @Override
            public void run() {
                try {
                    activate(cause);
                } catch (Throwable t) {
                    Log.error("could not instrument the classes loaded before " + cause, t);
                }
            }
        }, "graylane-start");
        starter.setDaemon(true);
        starter.start();
        try {
            starter.join(ACTIVATION_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (starter.isAlive()) {
            Log.warn("instrumenting the classes loaded before " + cause + " takes longer than "
                    + ACTIVATION_WAIT_MILLIS / 1000 + " s; it goes on in the background");
        }
        active = true; // set by the other thread as it starts; here too in case it could not run
    }

    /**
     * Retransforms the loaded classes that a rule matches. Byte Buddy, matching and transforming them, may load further
     * classes that this transformer does not look at while it works (the types a matcher resolves): the loaded classes
     * are looked at again until no new one matches.
     */
    private int retransformLoaded() {
        Set<Class<?>> seen = Collections.newSetFromMap(new IdentityHashMap<Class<?>, Boolean>());
        Map<Class<?>, Throwable> failures = new LinkedHashMap<>();
        for (int pass = 0; pass < 100; pass++) {
            List<Class<?>> batch = new ArrayList<>();
            for (Class<?> type : instrumentation.getAllLoadedClasses()) {
                if (seen.contains(type)) continue;
                String name = internalName(type);
                if (name == null || isIgnored(name) || !matchesLoaded(name, type)) continue;
                seen.add(type);
                batch.add(type);
            }
            if (batch.isEmpty()) break;
            retransform(batch, failures);
        }
        reportFailures(failures);
        return seen.size() - failures.size();
    }

    private boolean matchesLoaded(String name, Class<?> type) {
        List<Rules.Rule> candidates = candidates(name, type.getClassLoader(), null);
        if (candidates == null) return false;
        TypeDescription description = null;
        for (Rules.Rule rule : candidates) {
            if (!rule.filter.matchesLoaded(type)) continue;
            if (rule.type == null) return instrumentation.isModifiableClass(type);
            try {
                if (description == null) description = TypeDescription.ForLoadedType.of(type);
                if (rule.type.matches(description)) return instrumentation.isModifiableClass(type);
            } catch (Throwable unresolvable) {
                // a type whose hierarchy cannot be described is not one of ours
            }
        }
        return false;
    }

    /**
     * The rules, in order, whose filter and class-loader gate let a class through, or null: the test every loading class
     * takes. A rule that names its classes is looked up by the class's name; only the others test the name.
     *
     * @param classFile the class file to test, or null to leave it untested (a class already loaded)
     */
    private List<Rules.Rule> candidates(String internalName, ClassLoader loader, byte[] classFile) {
        Rules.Rule[] named = rulesByName.get(internalName);
        Rules.Rule[] testing = rulesTestingEveryName;
        List<Rules.Rule> found = null;
        int n = 0;
        int t = 0;
        while (true) {
            Rules.Rule rule;
            if (named != null && n < named.length && (t == testing.length || named[n].index < testing[t].index)) {
                rule = named[n++];
            } else if (t < testing.length) {
                rule = testing[t++];
            } else {
                return found;
            }
            if (!rule.filter.matchesName(internalName)) continue;
            if (rule.loaders != null && !matchesLoader(rule, loader)) continue;
            if (classFile != null && !rule.filter.matchesClassFile(classFile)) continue;
            if (found == null) found = new ArrayList<>(2);
            found.add(rule);
        }
    }

    private static boolean matchesLoader(Rules.Rule rule, ClassLoader loader) {
        try {
            return rule.loaders.matches(loader);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The JVM rejects a whole batch when one class fails. Another agent that started first may have changed a class
     * in a way no retransformation can repeat (the OpenTelemetry agent adds interfaces to the JDK's CompletableFuture
     * completions as it loads them): the batch is split until only those classes fail.
     */
    private void retransform(List<Class<?>> batch, Map<Class<?>, Throwable> failures) {
        try {
            instrumentation.retransformClasses(batch.toArray(new Class<?>[0]));
        } catch (Throwable rejected) {
            if (batch.size() == 1) {
                failures.put(batch.get(0), rejected);
                return;
            }
            int half = batch.size() / 2;
            retransform(new ArrayList<>(batch.subList(0, half)), failures);
            retransform(new ArrayList<>(batch.subList(half, batch.size())), failures);
        }
    }

    /** Names, in one warning, the loaded classes that could not be retransformed. */
    private static void reportFailures(Map<Class<?>, Throwable> failures) {
        if (failures.isEmpty()) return;
        List<String> names = new ArrayList<>();
        for (Class<?> type : failures.keySet()) names.add(type.getName());
        Collections.sort(names);
        Log.warn("could not instrument " + names.size() + " classes that were loaded, and changed by another agent,"
                + " before graylane started (" + failures.values().iterator().next() + "): " + String.join(", ", names)
                + "; work they run may not carry its label: start graylane's -javaagent before other agents");
    }

    /** The internal name of a loaded class, or null for an array, a primitive or a hidden class. */
    private static String internalName(Class<?> type) {
        if (type.isArray() || type.isPrimitive()) return null;
        String name = type.getName();
        if (name.indexOf('/') >= 0) return null; // hidden classes (lambdas) are named Outer$$Lambda/0x...
        return name.replace('.', '/');
    }

    private static boolean isIgnored(String internalName) {
        if (internalName.contains("$$Lambda")) return true;
        for (String prefix : IGNORED) {
            if (internalName.startsWith(prefix)) return true;
        }
        return false;
    }
}
