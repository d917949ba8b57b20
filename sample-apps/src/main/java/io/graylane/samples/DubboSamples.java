package io.graylane.samples;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.RegistryConfig;

/** What the Dubbo sample apps share. */
final class DubboSamples {

    private DubboSamples() {
    }

    /**
     * The application config: no QoS server (several sample JVMs share the machine). With a registry, Dubbo 3
     * registers and discovers interface-level addresses only, which is all these samples need (Dubbo 2.7 ignores
     * these two properties).
     */
    static ApplicationConfig application(String name, String registryAddress) {
        if (!RegistryConfig.NO_AVAILABLE.equals(registryAddress)) {
            System.setProperty("dubbo.application.register-mode", "interface");
            System.setProperty("dubbo.application.service-discovery.migration", "FORCE_INTERFACE");
        }
        ApplicationConfig application = new ApplicationConfig(name);
        application.setQosEnable(false);
        return application;
    }
}
