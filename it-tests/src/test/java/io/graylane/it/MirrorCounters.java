package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * graylane's mirror counters (MBean {@code graylane:type=Mirror}) of an application JVM, read over JMX: the JDK's
 * attach API starts the JVM's local management agent, which needs no port and no option on the command line.
 */
final class MirrorCounters implements AutoCloseable {

    static final String[] NAMES = {"Selected", "Sent", "Failed", "Dropped", "Skipped", "Queued"};

    private final JMXConnector connector;
    private final MBeanServerConnection server;
    private final ObjectName name;

    private MirrorCounters(JMXConnector connector) throws Exception {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
        this.name = new ObjectName("graylane:type=Mirror");
    }

    static MirrorCounters of(AgentJvm jvm) {
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(jvm.pid()));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            return new MirrorCounters(JMXConnectorFactory.connect(new JMXServiceURL(address)));
        } catch (Exception e) {
            return fail("cannot read the mirror counters of " + jvm + " over JMX", e);
        }
    }

    /**
     * One counter. The MBean is registered when the first request is selected (lazily, by a sender thread): until
     * then, and for at most 30 s, this waits.
     */
    long get(String attribute) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return ((Number) server.getAttribute(name, attribute)).longValue();
            } catch (InstanceNotFoundException e) {
                if (System.nanoTime() - deadline > 0) return fail(name + " was never registered", e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return fail("interrupted", interrupted);
                }
            } catch (Exception e) {
                return fail("cannot read " + name + " " + attribute, e);
            }
        }
    }

    Map<String, Long> all() {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String attribute : NAMES) values.put(attribute, get(attribute));
        return values;
    }

    /** Every selected copy has an outcome and none is queued. */
    boolean settled() {
        Map<String, Long> v = all();
        return v.get("Queued") == 0
                && v.get("Selected") == v.get("Sent") + v.get("Failed") + v.get("Dropped") + v.get("Skipped");
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
