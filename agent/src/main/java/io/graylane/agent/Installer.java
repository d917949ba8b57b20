package io.graylane.agent;

import io.graylane.core.Traffic;
import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.config.Keys;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.log.Log;
import io.graylane.core.metrics.MetricsServer;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Reads the configuration, gathers the enabled modules' rules and registers the one {@link GraylaneTransformer}.
 * Loaded from the bootstrap class path.
 *
 * <p>Byte Buddy's {@code AgentBuilder} is not used: building one and installing it costs a JVM about half a second of
 * CPU at start-up (it generates a class of its own, reaches JDK APIs through dynamic proxies and describes every class
 * that loads), whatever the application. graylane's transformer turns away almost every class with string tests and
 * starts Byte Buddy only for the first class it changes.
 */
public final class Installer {

    private Installer() {}

    /** {@code agentJar} stays open for the life of the JVM: advice is read from it whenever a matching class loads. */
    public static void install(String agentArgs, Instrumentation instrumentation, JarFile agentJar) {
        long start = System.nanoTime();
        Config config = ConfigLoader.loadForThisJvm(agentArgs);
        Traffic.start(config);
        if (config.metricsPort > 0) MetricsServer.start(config.metricsHost, config.metricsPort);

        Set<String> active = new LinkedHashSet<>();
        try {
            JarFile jar = agentJar;
            TypePoolCache pools = new TypePoolCache();
            Advices advices = new Advices(jar, pools,
                    new HelperInjector.Injection(instrumentation, jar));
            Rules rules = new Rules();
            for (InstrumentationModule module : Modules.all()) {
                if (!config.isEnabled(module.hook())) continue;
                int before = rules.all().size();
                try {
                    rules.module(module);
                    module.extend(rules, advices);
                } catch (Exception | LinkageError e) {
                    rules.dropFrom(before); // the modules extended before this one stay
                    Log.error("instrumentation '" + module.hook().configName() + "' could not be set up and is off", e);
                    continue;
                }
                if (rules.all().size() > before) active.add(module.hook().configName()); // jdbc: none while the guard is off
            }
            TransformCache cache = config.cacheDir == null ? null
                    : TransformCache.open(config.cacheDir, Keys.CACHE_DIR, identity(agentJar, rules.all()));
            if (cache != null) cache.writeOnExit();
            new GraylaneTransformer(instrumentation, rules.all(), pools, ReadEdges.of(instrumentation, Traffic.class), cache)
                    .install();
        } catch (Exception e) {
            Log.error("could not install instrumentation; the application runs without it", e);
            active.clear();
        }
        Log.info(startupLine(config, active, agentJar));
        if (Log.isDebug()) Log.debug("start-up took " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }

    /**
     * What the class cache's answers depend on besides each class: graylane's jar (its entries' names, sizes and
     * checksums, from the jar's directory), the JVM, and the rules: which classes each takes (its filter, type matcher
     * and class-loader gate) and what its transformers write there. Settings count only through the rules they make:
     * a service's lane, its mirror target or its log level do not change a class graylane writes, so every lane of a
     * service (and a cache filled when its image was built) shares one file; another set of instrumentations does not.
     */
    private static String identity(JarFile agentJar, List<Rules.Rule> rules) {
        StringBuilder identity = new StringBuilder();
        for (Enumeration<JarEntry> entries = agentJar.entries(); entries.hasMoreElements(); ) {
            JarEntry entry = entries.nextElement();
            identity.append(entry.getName()).append(' ').append(entry.getSize()).append(' ').append(entry.getCrc()).append('\n');
        }
        identity.append(System.getProperty("java.vm.vendor")).append(' ').append(System.getProperty("java.vm.version")).append('\n');
        for (Rules.Rule rule : rules) identity.append(rule.identity()).append('\n');
        return identity.toString();
    }

    static String startupLine(Config config, Set<String> active, JarFile agentJar) {
        StringBuilder line = new StringBuilder("graylane ").append(version(agentJar))
                .append(" started: local label ").append(config.localLabel == null ? "(none)" : config.localLabel)
                .append(", config ").append(config.source)
                .append(", instrumentations ").append(active.isEmpty() ? "(none)" : String.join(",", active))
                .append(", mirror ").append(config.mirror.enabled ? config.mirror.target : "off");
        if (config.mirror.enabled && config.mirror.compare.enabled) {
            line.append(" (answers compared");
            if (config.mirror.compare.secondary != null) line.append(", secondary ").append(config.mirror.compare.secondary);
            line.append(')');
        }
        if (config.shadow.mode != ShadowGuard.Mode.OFF) line.append(", shadow guard ").append(config.shadow.mode.configName());
        if (config.labelHeader != null) line.append(", label header ").append(config.labelHeader);
        if (config.cacheDir != null) line.append(", class cache ").append(config.cacheDir);
        if (config.metricsPort > 0) {
            line.append(", metrics http://").append(config.metricsHost).append(':').append(config.metricsPort).append("/metrics");
        }
        return line.toString();
    }

    /** Read from the jar directly: through the bootstrap loader, the JDK would open the jar a second time. */
    private static String version(JarFile agentJar) {
        JarEntry entry = agentJar.getJarEntry("io/graylane/core/version.properties");
        try {
            return ConfigLoader.version(entry == null ? null : agentJar.getInputStream(entry));
        } catch (IOException e) {
            return "unknown";
        }
    }
}
