package io.graylane.samples.coexist;

import static net.bytebuddy.matcher.ElementMatchers.named;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.implementation.MethodDelegation;
import net.bytebuddy.implementation.bind.annotation.SuperCall;

/**
 * The application's own Byte Buddy at work, as frameworks use it at run time:
 * <ul>
 *   <li>at start-up, a subclass of {@link Greeter} whose {@code greet} is delegated to {@link GreetingInterceptor}
 *   (which calls the original through {@code @SuperCall}), defined through a private {@code Lookup} in the
 *   application's own package, as Hibernate defines its proxies;</li>
 *   <li>for each request, a new class implementing {@link BackendCall} whose {@code call} is delegated to an
 *   instance of {@link CallTarget} (which makes the outbound call) and whose {@code toString} is a fixed value,
 *   loaded by a class loader of its own, as Mockito loads its mocks.</li>
 * </ul>
 */
final class OwnByteBuddy {

    private static final String POM_PROPERTIES = "META-INF/maven/net.bytebuddy/byte-buddy/pom.properties";

    private final String echoUrl;
    private final Greeter startupProxy;
    private final AtomicInteger requests = new AtomicInteger();

    OwnByteBuddy(String echoUrl) throws ReflectiveOperationException {
        this.echoUrl = echoUrl;
        this.startupProxy = new ByteBuddy()
                .subclass(Greeter.class)
                .method(named("greet"))
                .intercept(MethodDelegation.to(GreetingInterceptor.class))
                .make()
                .load(Greeter.class.getClassLoader(),
                        ClassLoadingStrategy.UsingLookup.of(MethodHandles.privateLookupIn(Greeter.class, MethodHandles.lookup())))
                .getLoaded()
                .getDeclaredConstructor()
                .newInstance();
    }

    /** Generates this request's class, calls the backend through it, and says what it saw, as JSON. */
    String report(String name) throws Exception {
        int request = requests.incrementAndGet();
        BackendCall generated = (BackendCall) new ByteBuddy()
                .subclass(Object.class)
                .implement(BackendCall.class)
                .method(named("call"))
                .intercept(MethodDelegation.to(new CallTarget(echoUrl)))
                .method(named("toString"))
                .intercept(FixedValue.value("generated for request " + request))
                .make()
                .load(OwnByteBuddy.class.getClassLoader(), ClassLoadingStrategy.Default.WRAPPER)
                .getLoaded()
                .getDeclaredConstructor()
                .newInstance();
        String downstream = generated.call();
        return "{\"service\":\"coexist\""
                + ",\"byteBuddy\":{\"version\":" + Json.quote(version()) + ",\"jar\":" + Json.quote(jarName())
                + ",\"loader\":" + Json.quote(loaderName(ByteBuddy.class.getClassLoader())) + "}"
                + ",\"bootstrap\":{\"net.bytebuddy.ByteBuddy\":" + onBootstrap("net.bytebuddy.ByteBuddy")
                + ",\"io.graylane.shaded.net.bytebuddy.ByteBuddy\":" + onBootstrap("io.graylane.shaded.net.bytebuddy.ByteBuddy")
                + "}"
                + ",\"startupProxy\":{\"class\":" + Json.quote(startupProxy.getClass().getName())
                + ",\"superclass\":" + Json.quote(startupProxy.getClass().getSuperclass().getName())
                + ",\"answer\":" + Json.quote(startupProxy.greet(name)) + "}"
                + ",\"generated\":{\"class\":" + Json.quote(generated.getClass().getName())
                + ",\"loader\":" + Json.quote(loaderName(generated.getClass().getClassLoader()))
                + ",\"toString\":" + Json.quote(generated.toString()) + "}"
                + ",\"downstream\":" + downstream + "}";
    }

    /** The version in the pom.properties of the jar that {@code net.bytebuddy.ByteBuddy} was loaded from. */
    static String version() {
        Path jar = jar();
        if (jar == null) {
            return "unknown";
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry entry = file.getEntry(POM_PROPERTIES);
            if (entry == null) {
                return "unknown";
            }
            try (InputStream in = file.getInputStream(entry)) {
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    static String jarName() {
        Path jar = jar();
        return jar == null ? null : jar.getFileName().toString();
    }

    private static Path jar() {
        if (ByteBuddy.class.getProtectionDomain().getCodeSource() == null) {
            return null;
        }
        try {
            return Path.of(ByteBuddy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static boolean onBootstrap(String className) {
        try {
            Class.forName(className, false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static String loaderName(ClassLoader loader) {
        if (loader == null) {
            return "bootstrap";
        }
        return loader == ClassLoader.getSystemClassLoader() ? "app" : loader.getClass().getName();
    }

    /** The start-up proxy's interceptor: wraps the original method's answer. */
    public static final class GreetingInterceptor {

        private GreetingInterceptor() {
        }

        public static String intercept(@SuperCall Callable<String> original) throws Exception {
            return "proxied(" + original.call() + ")";
        }
    }

    /** What each request's generated class delegates {@code call()} to. */
    public static final class CallTarget {

        private final String url;

        CallTarget(String url) {
            this.url = url;
        }

        public String fetch() throws IOException {
            return Backend.get(url);
        }
    }
}
