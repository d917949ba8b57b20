package io.graylane.agent.compare;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * A JSON document as its leaves: path ({@code $.items[0].id}) to the leaf's canonical text. Objects compare as trees
 * (key order irrelevant), arrays by index, numbers by value ({@code 1}, {@code 1.0} and {@code 1e0} are one value),
 * strings exactly; an empty object or array is a leaf ({@code {}}, {@code []}). Read with jackson-core's streaming
 * parser (shaded); at most {@link #MAX_LEAVES} leaves and {@link #MAX_DEPTH} levels, else {@link NotComparable}.
 */
final class JsonFlattener {

    static final int MAX_LEAVES = 20_000;
    static final int MAX_DEPTH = 200;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 1).build())
            .build();

    private JsonFlattener() {
    }

    /** Not JSON, or too large or deep to compare: the comparison is incomparable, for this reason. */
    static final class NotComparable extends Exception {
        private static final long serialVersionUID = 1L;

        NotComparable(String message) {
            super(message, null, false, false);
        }
    }

    static Map<String, String> flatten(byte[] body, int length) throws NotComparable {
        try (JsonParser parser = FACTORY.createParser(body, 0, length)) {
            return flatten(parser);
        } catch (IOException | RuntimeException e) {
            throw new NotComparable("not JSON: " + firstLine(e.getMessage()));
        }
    }

    static Map<String, String> flatten(String text) throws NotComparable {
        try (JsonParser parser = FACTORY.createParser(text)) {
            return flatten(parser);
        } catch (IOException | RuntimeException e) {
            throw new NotComparable("not JSON: " + firstLine(e.getMessage()));
        }
    }

    private static Map<String, String> flatten(JsonParser parser) throws IOException, NotComparable {
        Map<String, String> leaves = new HashMap<>();
        JsonToken first = parser.nextToken();
        if (first == null) throw new NotComparable("not JSON: the body is empty");
        value(parser, first, new StringBuilder("$"), leaves, 0);
        if (parser.nextToken() != null) throw new NotComparable("not JSON: more after the document's end");
        return leaves;
    }

    private static void value(JsonParser parser, JsonToken token, StringBuilder path, Map<String, String> leaves,
                              int depth) throws IOException, NotComparable {
        if (depth > MAX_DEPTH) throw new NotComparable("JSON nested deeper than " + MAX_DEPTH + " levels");
        int mark = path.length();
        switch (token) {
            case START_OBJECT: {
                boolean empty = true;
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                    if (t != JsonToken.FIELD_NAME) throw new IOException("a field name expected");
                    empty = false;
                    appendKey(path, parser.currentName());
                    value(parser, parser.nextToken(), path, leaves, depth + 1);
                    path.setLength(mark);
                }
                if (empty) leaf(leaves, path, "{}");
                return;
            }
            case START_ARRAY: {
                int index = 0;
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    if (t == null) throw new IOException("unexpected end of input");
                    path.append('[').append(index++).append(']');
                    value(parser, t, path, leaves, depth + 1);
                    path.setLength(mark);
                }
                if (index == 0) leaf(leaves, path, "[]");
                return;
            }
            case VALUE_STRING:
                leaf(leaves, path, Values.quote(parser.getText()));
                return;
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                leaf(leaves, path, number(parser.getText()));
                return;
            case VALUE_TRUE:
                leaf(leaves, path, "true");
                return;
            case VALUE_FALSE:
                leaf(leaves, path, "false");
                return;
            case VALUE_NULL:
                leaf(leaves, path, "null");
                return;
            default:
                throw new IOException("unexpected " + token);
        }
    }

    private static void leaf(Map<String, String> leaves, StringBuilder path, String value) throws NotComparable {
        if (leaves.size() >= MAX_LEAVES) throw new NotComparable("JSON with more than " + MAX_LEAVES + " values");
        leaves.put(path.toString(), value);
    }

    /** A number's value as text: equal values, equal texts. */
    static String number(String text) {
        try {
            if (text.length() > 100) return text;
            BigDecimal value = new BigDecimal(text);
            if (value.signum() == 0) return "0";
            BigDecimal canonical = value.stripTrailingZeros();
            int scale = canonical.scale();
            // plain digits unless that would write very many zeros (1e300); equal values, equal texts either way
            return scale > -20 && scale < 20 ? canonical.toPlainString() : canonical.toString();
        } catch (RuntimeException e) {
            return text;
        }
    }

    /** {@code .name} for a plain key, else {@code ['...']}. */
    static void appendKey(StringBuilder path, String key) {
        boolean plain = !key.isEmpty();
        for (int i = 0; i < key.length() && plain; i++) {
            char c = key.charAt(i);
            plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || c == '$' || c == '@';
        }
        if (plain) {
            path.append('.').append(key);
        } else {
            path.append("['");
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                if (c == '\'' || c == '\\') path.append('\\');
                path.append(c);
            }
            path.append("']");
        }
    }

    private static String firstLine(String message) {
        if (message == null) return "unreadable";
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 160 ? line.substring(0, 160) : line;
    }
}
