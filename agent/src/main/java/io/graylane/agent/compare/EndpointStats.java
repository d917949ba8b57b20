package io.graylane.agent.compare;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one endpoint's comparisons came to: outcomes, and per field how often the candidate and the secondary
 * differed from the primary. At most {@link #MAX_FIELDS} fields; differences at further paths count under
 * {@link #OTHER_FIELDS}. Guarded by the owner's lock.
 */
final class EndpointStats {

    static final int MAX_FIELDS = 200;
    static final String OTHER_FIELDS = "(other fields)";

    final String name;
    /** By outcome: equal, different, noise-only, incomparable. */
    final long[] outcomes = new long[4];
    /** Comparisons whose secondary answer was usable (the noise rates' denominator). */
    long withSecondary;
    /** Path -> {candidate differences, secondary differences}. */
    final Map<String, long[]> fields = new LinkedHashMap<>();

    EndpointStats(String name) {
        this.name = name;
    }

    long compared() {
        return outcomes[0] + outcomes[1] + outcomes[2] + outcomes[3];
    }

    /** Comparisons that were not incomparable (the candidate rates' denominator). */
    long comparable() {
        return outcomes[0] + outcomes[1] + outcomes[2];
    }

    void add(Comparison c) {
        outcomes[c.outcome]++;
        if (c.outcome == Comparison.INCOMPARABLE) return;
        if (c.withSecondary) withSecondary++;
        for (Comparison.Diff d : c.diffs) {
            long[] counts = fields.get(d.path);
            if (counts == null) {
                String key = fields.size() < MAX_FIELDS ? d.path : OTHER_FIELDS;
                counts = fields.get(key);
                if (counts == null) {
                    counts = new long[2];
                    fields.put(key, counts);
                }
            }
            if (d.candidateDiffers) counts[0]++;
            if (d.secondaryDiffers) counts[1]++;
        }
    }

    String verdict(String field) {
        long[] counts = fields.get(field);
        return counts == null ? "" : Verdict.of(counts[0], comparable(), counts[1], withSecondary);
    }

    /** Fields with the given verdict, comma-separated. */
    String fieldsWith(String verdict) {
        StringBuilder b = new StringBuilder();
        for (String field : fields.keySet()) {
            if (verdict.equals(verdict(field))) {
                if (b.length() > 0) b.append(',');
                b.append(field);
            }
        }
        return b.toString();
    }
}
