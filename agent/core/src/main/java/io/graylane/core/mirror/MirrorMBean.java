package io.graylane.core.mirror;

/** The mirror's counters, registered as {@code graylane:type=Mirror} when the first request is selected. */
public interface MirrorMBean {

    /** Where copies go ({@code graylane.mirror.target}). */
    String getTarget();

    /** Requests picked by graylane.mirror.percentage (each ends as sent, failed, dropped or skipped, or is pending). */
    long getSelected();

    /** Copies the target answered (any status). */
    long getSent();

    /** Copies that could not be delivered: connection refused, timeout, I/O error, no HTTP answer. */
    long getFailed();

    /** Copies dropped because the queue was full (graylane.mirror.queue-capacity, or the memory bound of queued bodies). */
    long getDropped();

    /** Selected requests not copied: body over graylane.mirror.max-body-bytes or not read completely, upgrades. */
    long getSkipped();

    /** Copies waiting in the queue now. */
    int getQueued();
}
