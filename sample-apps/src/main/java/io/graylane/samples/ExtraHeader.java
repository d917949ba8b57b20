package io.graylane.samples;

import java.util.ArrayList;
import java.util.List;

/** A header the app itself sets on an outbound request ({@code set-header=NAME:VALUE}). */
record ExtraHeader(String name, String value) {

    /** Parses {@code NAME:VALUE}, split at the first ':'. */
    static ExtraHeader parse(String param) {
        int colon = param.indexOf(':');
        if (colon <= 0 || param.substring(0, colon).isBlank()) {
            throw new IllegalArgumentException("set-header must be NAME:VALUE, got: " + param);
        }
        return new ExtraHeader(param.substring(0, colon).trim(), param.substring(colon + 1).trim());
    }

    /** Parses every value of a repeatable query parameter; null (parameter absent) gives an empty list. */
    static List<ExtraHeader> parseAll(String[] params) {
        List<ExtraHeader> headers = new ArrayList<>();
        if (params != null) {
            for (String param : params) {
                headers.add(parse(param));
            }
        }
        return List.copyOf(headers);
    }
}
