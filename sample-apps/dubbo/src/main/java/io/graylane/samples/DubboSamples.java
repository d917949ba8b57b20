package io.graylane.samples;

import org.apache.dubbo.config.ApplicationConfig;

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
}
