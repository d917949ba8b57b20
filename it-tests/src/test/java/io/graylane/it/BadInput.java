package io.graylane.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generated inbound label and trace header values, good and bad, and the test's own oracle of what graylane must
 * forward for them, written from the SPEC rules (not by calling graylane):
 * <ul>
 *   <li>label ({@code graylane.label.pattern} / {@code max-length} defaults): {@code [A-Za-z0-9][A-Za-z0-9._-]*}, 1 to
 *       128 characters. Sources in order: the label header, the {@code x-asm-traffic-tag} baggage entry, then the
 *       service's own lane (trace ids are unique per request here, so the traceId map never answers). A rejected
 *       value is treated as absent;</li>
 *   <li>trace headers: forwarded verbatim when a safe header value (visible ASCII, space and tab, at most 8 KiB),
 *       else not at all; baggage first loses its label entries when the first of them is malformed or rejected.</li>
 * </ul>
 * Where a request repeats a header, the oracle takes the value the application's own single-value getter gives:
 * the first for servlet {@code getHeader}, the last for gRPC {@code Metadata.get}.
 */
final class BadInput {

    static final String LABEL = SampleApps.LABEL;
    static final String BAGGAGE = "baggage";
    /** graylane.trace.headers' default, less grpc-trace-bin (binary: its own test elsewhere). */
    static final List<String> TRACE_HEADERS = List.of("x-request-id", "traceparent", "tracestate", BAGGAGE, "b3",
            "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "x-ot-span-context",
            "x-cloud-trace-context");
    static final int MAX_LABEL = 128;
    static final int MAX_TRACE_VALUE = 8192;

    /** What a transport can carry: the generator only makes what it can send. */
    enum Transport {
        /** raw HTTP/1.1 bytes on a socket: anything, repeated names too; the oracle reads the first value */
        HTTP(true, true, true),
        /** gRPC metadata with raw-byte values: no value may push a call past gRPC's 8 KiB of metadata */
        GRPC(false, true, false),
        /** Dubbo attachments: any Java string, one value per name */
        DUBBO(true, false, false);

        final boolean large;
        final boolean repeats;
        final boolean firstWins;

        Transport(boolean large, boolean repeats, boolean firstWins) {
            this.large = large;
            this.repeats = repeats;
            this.firstWins = firstWins;
        }
    }

    /** One generated request: its headers in order (a name may repeat) and the kind of each value. */
    record Request(int id, List<String[]> headers, List<String> kinds) {
    }

    private final Random random;
    private final Transport transport;

    BadInput(long seed, Transport transport) {
        this.random = new Random(seed);
        this.transport = transport;
    }

    Request next(int id) {
        List<String[]> headers = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        if (random.nextInt(10) < 8) {
            add(headers, kinds, LABEL, label());
        }
        for (String name : TRACE_HEADERS) {
            if (random.nextInt(10) < 5) {
                add(headers, kinds, name, traceValue(name, id));
            }
        }
        if (transport.repeats && random.nextInt(10) == 0) {
            // a header given twice: the label or one trace header, each time with a value of its own
            String name = random.nextBoolean() ? LABEL : TRACE_HEADERS.get(random.nextInt(TRACE_HEADERS.size()));
            String[] second = name.equals(LABEL) ? label() : traceValue(name, id);
            add(headers, kinds, name, second);
            kinds.set(kinds.size() - 1, "repeated " + second[0]);
        }
        return new Request(id, headers, kinds);
    }

    private static void add(List<String[]> headers, List<String> kinds, String name, String[] kindAndValue) {
        headers.add(new String[] {name, kindAndValue[1]});
        kinds.add(kindAndValue[0]);
    }

    // ---- values ----

    /** {kind, value} of a label header value. */
    private String[] label() {
        int pick = random.nextInt(20);
        if (pick < 7) return kv("valid label", validLabel(1 + random.nextInt(30)));
        switch (pick) {
            case 7: return kv("valid label of 128", validLabel(MAX_LABEL));
            case 8: return kv("label of 129", validLabel(MAX_LABEL + 1));
            case 9: return kv("label starting with '" + (random.nextBoolean() ? "-" : ".") + "'",
                    (random.nextBoolean() ? "-" : ".") + validLabel(5));
            case 10: return kv("label with space or slash", "lane " + validLabel(3) + (random.nextBoolean() ? "/x" : ""));
            case 11: return kv("label with tab", "lane\t" + validLabel(3));
            default: return bad(validLabel(1 + random.nextInt(20)));
        }
    }

    /** A label the SPEC's default policy accepts, of exactly {@code length} characters. */
    private String validLabel(int length) {
        String first = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        String rest = first + "._-";
        StringBuilder b = new StringBuilder(length).append(first.charAt(random.nextInt(first.length())));
        while (b.length() < length) b.append(rest.charAt(random.nextInt(rest.length())));
        return b.toString();
    }

    /** {kind, value} of a trace header value: valid, malformed for its format, or bad as a header value. */
    private String[] traceValue(String name, int id) {
        String valid = validTrace(name, id);
        // raw HTTP/1.1 servers refuse a whole request for one control character: fewer bad values per request there
        int pick = random.nextInt(transport == Transport.HTTP ? 7 : 10);
        if (pick < 4) return kv("valid " + name, valid);
        if (pick < 6) return kv("malformed " + name, malformedTrace(name, valid));
        return bad(valid);
    }

    /** The bad header values a value can be turned into. */
    private String[] bad(String good) {
        // large values are rare (1 bad value in 40): a few hundred per 10,000 requests cover the length rules
        int pick = transport.large && random.nextInt(40) == 0 ? 12 + random.nextInt(2) : random.nextInt(12);
        switch (pick) {
            case 0: return kv("empty", "");
            case 1: return kv("padded with spaces", "  " + good + " ");
            case 2: return kv("CR LF injection", good + "\r\nx-injected: 1");
            case 3: return kv("bare LF", good + "\nx-injected: 1");
            case 4: return kv("bare CR", good + "\rx");
            case 5: return kv("NUL", good + "\u0000x");
            case 6: {
                char c = (char) (1 + random.nextInt(31));
                if (c == '\t' || c == '\n' || c == '\r') c = 0x1b;
                return kv("control 0x" + Integer.toHexString(c), insert(good, String.valueOf(c)));
            }
            case 7: return kv("DEL", insert(good, "\u007f"));
            case 8: return kv("Latin-1", insert(good, "\u00e9"));
            case 9: return kv("CJK", insert(good, "\u4e2d\u6587"));
            case 10: return kv("emoji", insert(good, "\ud83d\ude00"));
            case 11: return kv("tab inside", insert(good, "\t"));
            case 12: return random.nextBoolean() ? kv("8 KiB exactly", fill(good, MAX_TRACE_VALUE))
                    : kv("8 KiB + 1", fill(good, MAX_TRACE_VALUE + 1));
            default: return kv("64 KiB", fill(good, 64 * 1024));
        }
    }

    private String insert(String s, String what) {
        int at = s.isEmpty() ? 0 : random.nextInt(s.length() + 1);
        return s.substring(0, at) + what + s.substring(at);
    }

    /** {@code s} padded with visible characters (or cut) to exactly {@code length}. */
    private static String fill(String s, int length) {
        StringBuilder b = new StringBuilder(length).append(s, 0, Math.min(s.length(), length));
        while (b.length() < length) b.append((char) ('a' + b.length() % 26));
        return b.toString();
    }

    private String validTrace(String name, int id) {
        switch (name) {
            case "x-request-id": return "req-" + id + "-" + hex(12);
            case "traceparent": return "00-" + hex(32) + "-" + hex(16) + "-0" + random.nextInt(2);
            case "tracestate": return "congo=" + hex(8) + ",rojo=00f067aa0ba902b7";
            case BAGGAGE: return baggage();
            case "b3": return random.nextBoolean() ? hex(32) + "-" + hex(16) + "-1" : hex(16) + "-" + hex(16);
            case "x-b3-traceid": return hex(random.nextBoolean() ? 32 : 16);
            case "x-b3-spanid":
            case "x-b3-parentspanid": return hex(16);
            case "x-b3-sampled": return String.valueOf(random.nextInt(2));
            case "x-b3-flags": return "1";
            case "x-ot-span-context": return hex(16) + ";" + hex(16) + ";0000000000000000;cs";
            default: return hex(32) + "/" + (1 + random.nextInt(1_000_000)) + ";o=1"; // x-cloud-trace-context
        }
    }

    /** Malformed for the header's own format, yet (mostly) a safe header value. */
    private String malformedTrace(String name, String valid) {
        switch (name) {
            case "traceparent": {
                String[] forms = {"ff" + valid.substring(2), valid.toUpperCase(), valid.substring(0, 20),
                        valid + "-extra", valid.replace('-', '_'), "00-" + hex(32) + "-0000000000000000-01",
                        "00-" + hex(31) + "g-" + hex(16) + "-01", " " + valid};
                return forms[random.nextInt(forms.length)];
            }
            case BAGGAGE: {
                String[] forms = {"=,=", valid + ",,", ";;;", valid + ",key", "k=v;" + valid, "%%%=%%%"};
                return forms[random.nextInt(forms.length)];
            }
            case "b3": {
                String[] forms = {"-", hex(16) + "-", "-" + hex(16), valid + "-x-y-z", "d", "0", hex(32).toUpperCase()};
                return forms[random.nextInt(forms.length)];
            }
            case "tracestate": return "=" + valid + ",,,=";
            case "x-b3-sampled": return random.nextBoolean() ? "maybe" : "2";
            case "x-b3-flags": return "-1";
            default: return valid.toUpperCase().replace('A', 'Z') + "-not-hex";
        }
    }

    /** W3C baggage with an x-asm-traffic-tag entry (or not) among others, in varied shapes. */
    private String baggage() {
        List<String> entries = new ArrayList<>();
        if (random.nextBoolean()) entries.add("userId=alice" + random.nextInt(100));
        int labelEntries = random.nextInt(10) < 7 ? 1 : random.nextInt(3);
        for (int i = 0; i < labelEntries; i++) {
            String value;
            int pick = random.nextInt(10);
            if (pick < 4) value = validLabel(1 + random.nextInt(20));
            else if (pick == 4) value = "lane%2D" + validLabel(3); // percent-encoded '-': decodes to a valid label
            else if (pick == 5) value = "lane%0D%0Ainjected"; // decodes to CR LF: rejected
            else if (pick == 6) value = "bad%zz"; // malformed percent-encoding
            else if (pick == 7) value = "lane a";
            else if (pick == 8) value = "";
            else value = "-" + validLabel(4);
            String entry = LABEL + "=" + value + (random.nextInt(4) == 0 ? ";prop=1" : "");
            entries.add(random.nextInt(4) == 0 ? " " + entry + " " : entry);
        }
        if (random.nextBoolean()) entries.add("sessionId=s" + hex(6));
        if (entries.isEmpty()) entries.add("k=v");
        java.util.Collections.shuffle(entries, random);
        return String.join(",", entries);
    }

    private String hex(int digits) {
        StringBuilder b = new StringBuilder(digits);
        while (b.length() < digits) b.append(Character.forDigit(random.nextInt(16), 16));
        return b.toString();
    }

    private static String[] kv(String kind, String value) {
        return new String[] {kind, value};
    }

    // ---- the oracle ----

    /** What the next hop must receive, given what the application at the injected hop received. */
    record Expected(String label, LabelFrom from, int rejected, Map<String, String> forwarded,
                    List<String> baggageEntries, int presentTraceValues) {
    }

    enum LabelFrom { HEADER, BAGGAGE, LOCAL }

    /**
     * @param received what the injected service's application saw: lower-case name -> values in order
     * @param localLane that service's own lane
     */
    static Expected expect(Map<String, List<String>> received, Transport transport, String localLane) {
        int rejected = 0;
        String label = null;
        LabelFrom from = LabelFrom.LOCAL;
        String header = single(received, LABEL, transport);
        if (header != null) {
            if (isLabel(header)) {
                label = header;
                from = LabelFrom.HEADER;
            } else {
                rejected++;
            }
        }
        String baggage = single(received, BAGGAGE, transport);
        BaggageLabel fromBaggage = baggage == null ? null : baggageLabel(baggage);
        if (label == null && fromBaggage != null && fromBaggage.decoded != null) {
            if (isLabel(fromBaggage.decoded)) {
                label = fromBaggage.decoded;
                from = LabelFrom.BAGGAGE;
            } else {
                rejected++;
            }
        }
        if (label == null) label = localLane;

        Map<String, String> forwarded = new LinkedHashMap<>();
        List<String> baggageEntries = null;
        int present = 0;
        for (String name : TRACE_HEADERS) {
            String value = single(received, name, transport);
            if (value == null) continue;
            present++;
            if (name.equals(BAGGAGE) && fromBaggage != null
                    && (fromBaggage.decoded == null || !isLabel(fromBaggage.decoded))) {
                // the label entries leave; the rest is forwarded, entry by entry
                List<String> kept = new ArrayList<>();
                for (String entry : value.split(",", -1)) {
                    String trimmed = ows(entry);
                    if (!trimmed.isEmpty() && !LABEL.equals(entryKey(trimmed))) kept.add(trimmed);
                }
                String rest = String.join(",", kept);
                if (!kept.isEmpty() && isSafeHeaderValue(rest)) {
                    forwarded.put(name, rest);
                    baggageEntries = kept;
                }
                continue;
            }
            if (isSafeHeaderValue(value)) forwarded.put(name, value);
        }
        return new Expected(label, from, rejected, forwarded, baggageEntries, present);
    }

    private static String single(Map<String, List<String>> received, String name, Transport transport) {
        List<String> values = received.get(name);
        if (values == null || values.isEmpty()) return null;
        return transport.firstWins ? values.get(0) : values.get(values.size() - 1);
    }

    /** SPEC default policy, by hand. */
    static boolean isLabel(String v) {
        if (v.isEmpty() || v.length() > MAX_LABEL) return false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
        }
        return true;
    }

    /** SPEC: visible ASCII, space and tab, at most 8 KiB. */
    static boolean isSafeHeaderValue(String v) {
        if (v.length() > MAX_TRACE_VALUE) return false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (!(c == '\t' || (c >= 0x20 && c <= 0x7e))) return false;
        }
        return true;
    }

    /** The first baggage entry named x-asm-traffic-tag: its value percent-decoded, null when malformed. */
    record BaggageLabel(String decoded) {
    }

    /** Null when the baggage has no x-asm-traffic-tag entry (W3C baggage: list-member = key OWS "=" OWS value *( ";" property )). */
    static BaggageLabel baggageLabel(String baggage) {
        for (String entry : baggage.split(",", -1)) {
            String member = ows(entry);
            if (!LABEL.equals(entryKey(member))) continue;
            String value = member.substring(member.indexOf('=') + 1);
            int semicolon = value.indexOf(';');
            if (semicolon >= 0) value = value.substring(0, semicolon);
            return new BaggageLabel(percentDecode(ows(value)));
        }
        return null;
    }

    /** The key of a baggage member ({@code key=value}), or null when it has no '='. */
    private static String entryKey(String member) {
        int eq = member.indexOf('=');
        return eq <= 0 ? null : ows(member.substring(0, eq));
    }

    /** Without the optional whitespace (space, tab) that W3C baggage allows around members, keys and values. */
    private static String ows(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) from++;
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) to--;
        return s.substring(from, to);
    }

    private static String percentDecode(String value) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length()) return null;
                int hi = Character.digit(value.charAt(i + 1), 16);
                int lo = Character.digit(value.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return null;
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (c > 0x7f) {
                return null;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
