package io.graylane.agent.compare;

import javax.management.openmbean.TabularData;

/** {@code graylane:type=MirrorCompare}: every comparison ends in exactly one of equal, different, noise-only, incomparable. */
public interface MirrorCompareMBean {

    long getCompared();

    long getEqual();

    long getDifferent();

    long getNoiseOnly();

    long getIncomparable();

    /** Per endpoint: compared, outcomes, regressed and noisy fields. */
    TabularData getEndpoints();
}
