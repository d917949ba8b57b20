package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** graylane's comparison counters (MBean {@code graylane:type=MirrorCompare}) of an application JVM, over JMX. */
final class CompareCounters implements AutoCloseable {

    static final String[] OUTCOMES = {"Equal", "Different", "NoiseOnly", "Incomparable"};

    private final JMXConnector connector;
    private final MBeanServerConnection server;
    private final ObjectName name;

    private CompareCounters(JMXConnector connector) throws Exception {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
        this.name = new ObjectName("graylane:type=MirrorCompare");
    }

    static CompareCounters of(AgentJvm jvm) {
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(jvm.pid()));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            return new CompareCounters(JMXConnectorFactory.connect(new JMXServiceURL(address)));
        } catch (Exception e) {
            return fail("cannot read the comparison counters of " + jvm + " over JMX", e);
        }
    }

    /** 0 until the MBean is registered (with the first comparison). */
    long get(String attribute) {
        try {
            return ((Number) server.getAttribute(name, attribute)).longValue();
        } catch (InstanceNotFoundException e) {
            return 0;
        } catch (Exception e) {
            return fail("cannot read " + name + " " + attribute, e);
        }
    }

    Map<String, Long> all() {
        Map<String, Long> values = new LinkedHashMap<>();
        values.put("Compared", get("Compared"));
        for (String outcome : OUTCOMES) values.put(outcome, get(outcome));
        return values;
    }

    /** Endpoint -> its row (compared, equal, different, noiseOnly, incomparable, regressedFields, noisyFields). */
    Map<String, Map<String, Object>> endpoints() {
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        try {
            TabularData table = (TabularData) server.getAttribute(name, "Endpoints");
            for (Object value : table.values()) {
                CompositeData row = (CompositeData) value;
                Map<String, Object> cells = new LinkedHashMap<>();
                for (String key : row.getCompositeType().keySet()) cells.put(key, row.get(key));
                rows.put((String) row.get("endpoint"), cells);
            }
            return rows;
        } catch (Exception e) {
            return fail("cannot read " + name + " Endpoints", e);
        }
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
