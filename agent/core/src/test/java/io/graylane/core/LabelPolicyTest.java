package io.graylane.core;

import io.graylane.core.config.Keys;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelPolicyTest {

    private final LabelPolicy defaults = new LabelPolicy(128, Keys.DEFAULT_PATTERN);

    private static String repeat(char c, int n) {
        char[] chars = new char[n];
        Arrays.fill(chars, c);
        return new String(chars);
    }

    @Test
    void defaultPatternAcceptsLabels() {
        for (String ok : Arrays.asList("lane-a", "v1.2_x", "a", "Z", "0", "dev-x", "A.B_C-D", "9lane", "lane--x..y__z")) {
            assertTrue(defaults.accepts(ok), ok);
        }
        assertTrue(defaults.accepts(repeat('a', 128)), "exactly max-length");
    }

    @Test
    void defaultPatternRejectsEverythingElse() {
        for (String bad : Arrays.asList("", "-lane", ".lane", "_lane", "lane a", " lane", "lane ", "a/b", "a;b", "a,b",
                "a=b", "a\rb", "a\nb", "lane\r\n", "a\tb", "lane\u0000", "lan\u00e9", "\u00e9", "lane\u0661", "a:b", "a%20b",
                "\u212a")) {
            assertFalse(defaults.accepts(bad), "accepted " + bad);
        }
        assertFalse(defaults.accepts(null));
        assertFalse(defaults.accepts(repeat('a', 129)), "longer than max-length");
        assertFalse(defaults.accepts(repeat('a', 10 * 1024)), "10 KB");
    }

    @Test
    void maxLengthIsHonoured() {
        LabelPolicy short5 = new LabelPolicy(5, Keys.DEFAULT_PATTERN);
        assertTrue(short5.accepts("abcde"));
        assertFalse(short5.accepts("abcdef"));
        LabelPolicy customShort = new LabelPolicy(5, "[a-z]+");
        assertTrue(customShort.accepts("abcde"));
        assertFalse(customShort.accepts("abcdef"));
    }

    @Test
    void customPatternIsHonoured() {
        LabelPolicy custom = new LabelPolicy(128, "lane-[0-9]+");
        assertTrue(custom.accepts("lane-1"));
        assertTrue(custom.accepts("lane-42"));
        assertFalse(custom.accepts("lane-a"), "fails the custom pattern");
        assertFalse(custom.accepts("v1"), "passes the default pattern but not the custom one");
        assertFalse(custom.accepts("xlane-1"), "the whole value must match");
        assertFalse(custom.accepts("lane-1\n"), "the whole value must match");
        assertFalse(custom.accepts(""));

        LabelPolicy permissive = new LabelPolicy(128, "[a-z/ ]+");
        assertTrue(permissive.accepts("a/b c"), "a custom pattern may accept what the default rejects");
    }

    @Test
    void defaultFastPathAgreesWithTheRegex() {
        Pattern regex = Pattern.compile(Keys.DEFAULT_PATTERN);
        String alphabet = "aZm09._-/; ,=:%\r\n\t\u0000\u007f\u00e9\u0130\u212a~!";
        Random random = new Random(20240611L);
        int accepted = 0;
        int rejected = 0;
        for (int n = 0; n < 500; n++) {
            int length = random.nextInt(12);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < length; i++) {
                // letters and digits are more likely, so a good share of values is valid
                b.append(random.nextInt(3) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
                        : "abcXYZ0123.-_".charAt(random.nextInt(13)));
            }
            String value = b.toString();
            boolean expected = regex.matcher(value).matches();
            assertEquals(expected, defaults.accepts(value), "disagree on '" + value + "'");
            if (expected) accepted++; else rejected++;
        }
        assertTrue(accepted > 50 && rejected > 50, "both outcomes exercised: " + accepted + "/" + rejected);
    }
}
