package io.graylane.it;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

/** graylane's comparison counters (MBean {@code graylane:type=MirrorCompare}) of an application JVM, over JMX. */
final class CompareCounters implements AutoCloseable {

    static final String[] OUTCOMES = {"Equal", "Different", "NoiseOnly", "Incomparable"};

    private final JmxAttributes attributes;

    private CompareCounters(JmxAttributes attributes) {
        this.attributes = attributes;
    }

    static CompareCounters of(AgentJvm jvm) {
        return new CompareCounters(JmxAttributes.of(jvm, "graylane:type=MirrorCompare"));
    }

    /** 0 until the MBean is registered (with the first comparison). */
    long get(String attribute) {
        return attributes.getIfRegistered(attribute);
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
        TabularData table = (TabularData) attributes.attribute("Endpoints");
        for (Object value : table.values()) {
            CompositeData row = (CompositeData) value;
            Map<String, Object> cells = new LinkedHashMap<>();
            for (String key : row.getCompositeType().keySet()) cells.put(key, row.get(key));
            rows.put((String) row.get("endpoint"), cells);
        }
        return rows;
    }

    @Override
    public void close() throws IOException {
        attributes.close();
    }
}
