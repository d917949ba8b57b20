package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Long attributes of one MBean of an application JVM, read over JMX through the attach API (the JVM's local
 * management agent: no port, no option on its command line), as {@link MirrorCounters} reads the mirror's.
 * {@link CompareCounters} and ShadowGuardIT's counters read through it.
 */
final class JmxAttributes implements AutoCloseable {

    private final JMXConnector connector;
    private final MBeanServerConnection server;
    private final ObjectName name;

    private JmxAttributes(JMXConnector connector, ObjectName name) throws IOException {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
        this.name = name;
    }

    static JmxAttributes of(AgentJvm jvm, String objectName) {
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(jvm.pid()));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            return new JmxAttributes(JMXConnectorFactory.connect(new JMXServiceURL(address)), new ObjectName(objectName));
        } catch (Exception e) {
            return fail("cannot read " + objectName + " of " + jvm + " over JMX", e);
        }
    }

    /** One attribute; an MBean registered lazily (by a short-lived thread) is waited for, at most 30 s. */
    long get(String attribute) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return ((Number) server.getAttribute(name, attribute)).longValue();
            } catch (InstanceNotFoundException e) {
                if (System.nanoTime() - deadline > 0) {
                    return fail(name + " was never registered", e);
                }
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

    /** One attribute, 0 while the MBean is not registered yet (for polling until it counts). */
    long getIfRegistered(String attribute) {
        try {
            return ((Number) server.getAttribute(name, attribute)).longValue();
        } catch (InstanceNotFoundException e) {
            return 0;
        } catch (Exception e) {
            return fail("cannot read " + name + " " + attribute, e);
        }
    }

    /** One attribute as the MBean gives it (a table, a string). */
    Object attribute(String attribute) {
        try {
            return server.getAttribute(name, attribute);
        } catch (Exception e) {
            return fail("cannot read " + name + " " + attribute, e);
        }
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
