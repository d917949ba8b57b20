package io.graylane.samples;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;

/** What the Dubbo sample apps share. */
final class DubboSamples {

    private DubboSamples() {
    }

    /** A direct provider URL ({@code dubbo://host:port}, {@code tri://host:port}), as opposed to a registry address. */
    static boolean isDirect(String target) {
        return target.startsWith("dubbo://") || target.startsWith("tri://");
    }

    /**
     * The application config, one per JVM: no QoS server (several sample JVMs share the machine). With a registry, Dubbo 3
     * registers and discovers interface-level addresses only, which is all these samples need (Dubbo 2.7 ignores
     * these two properties).
     */
    static ApplicationConfig application(String name, boolean withRegistry) {
        // Dubbo 3.3 looks its JSON library up with a ServiceLoader that, on JDK 25, trips over the absent fastjson 1
        // before it reaches fastjson2 (which Dubbo brings); naming fastjson2 stops the look-up there
        if (System.getProperty("dubbo.json-framework.prefer") == null) {
            System.setProperty("dubbo.json-framework.prefer", "fastjson2");
        }
        if (withRegistry) {
            System.setProperty("dubbo.application.register-mode", "interface");
            System.setProperty("dubbo.application.service-discovery.migration", "FORCE_INTERFACE");
        }
        ApplicationConfig application = new ApplicationConfig(name);
        application.setQosEnable(false);
        return application;
    }

    /**
     * A ratings proxy for TARGET: a direct URL ({@code dubbo://host:port}, {@code tri://host:port}) or a registry with
     * the protocol to use ({@code zookeeper://host:port?protocol=tri}), in which case it calls the provider it finds
     * there. Calls time out after {@code timeoutMillis}.
     */
    static Ratings ratings(ApplicationConfig application, String target, long timeoutMillis) {
        ReferenceConfig<Ratings> reference = new ReferenceConfig<>();
        reference.setApplication(application);
        if (isDirect(target)) {
            reference.setUrl(target);
        } else {
            reference.setRegistry(new RegistryConfig(target.replaceFirst("\\?.*$", "")));
            int protocol = target.indexOf("?protocol=");
            if (protocol > 0) {
                reference.setProtocol(target.substring(protocol + "?protocol=".length()));
            }
        }
        reference.setInterface(Ratings.class);
        reference.setCheck(false); // with a registry, the provider may register after this consumer starts
        reference.setTimeout((int) timeoutMillis);
        return reference.get();
    }
}
