package io.graylane.samples;

import org.apache.dubbo.common.Version;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;

/**
 * The ratings Dubbo provider: {@code java -jar graylane-ratings.jar PORT BACKEND_URL [PROTOCOL] [REGISTRY]}.
 * <ul>
 *   <li>PROTOCOL: {@code dubbo} (default) or {@code tri} (Dubbo 3 only);</li>
 *   <li>REGISTRY: e.g. {@code zookeeper://127.0.0.1:2181}; without it the service is only reachable by direct URL
 *       ({@code dubbo://127.0.0.1:PORT}).</li>
 * </ul>
 * Prints {@code [ratings] ready} once the service is exported (and registered), with the Dubbo version it runs on.
 */
public final class RatingsApp {

    static final String HOST = "127.0.0.1";

    private RatingsApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 4) {
            System.err.println("usage: java -jar graylane-ratings.jar PORT BACKEND_URL [dubbo|tri] [REGISTRY]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String backendUrl = args[1].replaceAll("/+$", "");
        String protocolName = args.length > 2 ? args[2] : "dubbo";
        String registryAddress = args.length > 3 ? args[3] : RegistryConfig.NO_AVAILABLE;

        ProtocolConfig protocol = new ProtocolConfig(protocolName, port);
        protocol.setHost(HOST);
        ServiceConfig<Ratings> service = new ServiceConfig<>();
        service.setApplication(DubboSamples.application("graylane-ratings", args.length > 3));
        service.setRegistry(new RegistryConfig(registryAddress));
        service.setProtocol(protocol);
        service.setInterface(Ratings.class);
        service.setRef(new RatingsService(backendUrl, protocolName));
        service.export();

        System.out.println("[ratings] ready: " + protocolName + "://" + HOST + ":" + port + " registry "
                + registryAddress + " -> " + backendUrl + " (Dubbo " + Version.getVersion() + ")");
        Thread.currentThread().join();
    }
}
