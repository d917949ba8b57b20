package io.graylane.core.mirror;

/**
 * Takes out of a copy's headers the label values graylane rejected on the way in, so a copy never forwards what
 * the primary request would not (see graylane.label.pattern).
 */
public interface HeaderScrubber {

    /** The value to send for header {@code lowerCaseName}: {@code value}, a cleaned value, or null to leave it out. */
    String scrub(String lowerCaseName, String value);

    HeaderScrubber NONE = new HeaderScrubber() {
        @Override
        public String scrub(String lowerCaseName, String value) {
            return value;
        }
    };
}
