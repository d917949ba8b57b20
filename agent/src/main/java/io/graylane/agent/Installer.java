package io.graylane.agent;

import io.graylane.core.Traffic;
import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.log.Log;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.Nexus;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.JavaModule;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;

import static net.bytebuddy.matcher.ElementMatchers.nameContains;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

/** Reads the configuration, builds the one {@link AgentBuilder} and installs it. Loaded from the bootstrap class path. */
public final class Installer {

    private Installer() {}

    public static void install(String agentArgs, Instrumentation instrumentation, File agentJar) {
        Config config = ConfigLoader.load(agentArgs, systemProperties(), System.getenv());
        Log.setLevel(config.logLevel);
        for (String problem : config.problems) Log.warn(problem);
        Traffic.start(config);

        Set<String> active = new LinkedHashSet<>();
        try {
            // stays open for the life of the JVM: advice is read from it whenever a matching class loads
            JarFile jar = new JarFile(agentJar);
            Advices advices = new Advices(new ClassFileLocator.ForJarFile(jar), new HelperInjector.Injection(instrumentation, jar));
            AgentBuilder builder = newAgentBuilder()
                    .disableClassFormatChanges()
                    .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                    // classes loaded while loaded ones are retransformed (ForkJoinPool, by reflection on
                    // ForkJoinTask) skip their load-time transformation: pick them up in another pass
                    .with(AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.Reiterating.INSTANCE)
                    .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                    .with(new TypePoolCache())
                    .with(new LoggingListener())
                    .ignore(ignored())
                    .assureReadEdgeTo(instrumentation, Traffic.class);
            for (InstrumentationModule module : Modules.all()) {
                if (!config.isEnabled(module.hook())) continue;
                try {
                    builder = module.extend(builder, advices);
                } catch (RuntimeException e) {
                    // the builder is immutable: the modules extended before this one stay
                    Log.error("instrumentation '" + module.hook().configName() + "' could not be set up and is off", e);
                    continue;
                }
                active.add(module.hook().configName());
            }
            builder.installOn(instrumentation);
        } catch (Exception e) {
            Log.error("could not install instrumentation; the application runs without it", e);
            active.clear();
        }
        Log.info(startupLine(config, active));
    }

    /**
     * Only inlined advice is used, so Byte Buddy's Nexus (initializers for generated classes) is not
     * needed; disabled while the builder is made, its set-up would call sun.misc.Unsafe, which
     * JDK 24+ warns about on the application's console.
     */
    private static AgentBuilder.Default newAgentBuilder() {
        boolean set = System.getProperty(Nexus.PROPERTY) == null;
        if (set) System.setProperty(Nexus.PROPERTY, "true");
        try {
            return new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED));
        } finally {
            if (set) System.clearProperty(Nexus.PROPERTY);
        }
    }

    /**
     * The one ignore matcher (a second call would replace it). JDK types are not ignored: executors,
     * HttpURLConnection and java.net.http live there.
     */
    private static ElementMatcher<TypeDescription> ignored() {
        return nameStartsWith("io.graylane.core.")
                .or(nameStartsWith("io.graylane.agent."))
                .or(nameStartsWith("io.graylane.shaded."))
                .or(nameStartsWith("net.bytebuddy."))
                .or(nameStartsWith("sun.reflect."))
                .or(nameStartsWith("jdk.internal.reflect."))
                .or(nameStartsWith("java.lang.invoke."))
                .or(nameContains("$$Lambda"));
    }

    static String startupLine(Config config, Set<String> active) {
        StringBuilder line = new StringBuilder("graylane ").append(version())
                .append(" started: local label ").append(config.localLabel == null ? "(none)" : config.localLabel)
                .append(", config ").append(config.source)
                .append(", instrumentations ").append(active.isEmpty() ? "(none)" : String.join(",", active))
                .append(", mirror ").append(config.mirror.enabled ? config.mirror.target : "off");
        if (config.labelHeader != null) line.append(", label header ").append(config.labelHeader);
        return line.toString();
    }

    private static String version() {
        try (InputStream in = Installer.class.getResourceAsStream("/io/graylane/core/version.properties")) {
            Properties p = new Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static Map<String, String> systemProperties() {
        Map<String, String> map = new HashMap<>();
        Properties props = System.getProperties();
        for (String name : props.stringPropertyNames()) map.put(name, props.getProperty(name));
        return map;
    }

    /** Logs instrumentation that could not be applied (the type stays as it was), and at debug level what was applied. */
    private static final class LoggingListener extends AgentBuilder.Listener.Adapter {
        @Override
        public void onTransformation(TypeDescription type, ClassLoader classLoader, JavaModule module, boolean loaded,
                                     DynamicType dynamicType) {
            if (Log.isDebug()) Log.debug("instrumented " + type.getName() + (loaded ? " (retransformed)" : ""));
        }

        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded, Throwable throwable) {
            if (throwable instanceof TypePool.Resolution.NoSuchTypeException) {
                // a hierarchy matcher met a class whose super type is missing (Netty's optional Log4J2Logger in
                // every gRPC application): the JVM cannot define that class either, so there is nothing to report
                if (Log.isDebug()) Log.debug("not instrumented " + typeName + ": " + throwable);
                return;
            }
            Log.warn("could not instrument " + typeName + ": " + throwable);
        }
    }
}
