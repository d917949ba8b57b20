package io.graylane.core.mirror;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FormBodyTest {

    private static String encode(Map<String, String[]> parameters, String query, String charset) {
        byte[] body = FormBody.encode(parameters, query, charset);
        return body == null ? null : new String(body, StandardCharsets.US_ASCII);
    }

    @Test
    void queryValuesComeFirstAndAreLeftOut() {
        Map<String, String[]> merged = new LinkedHashMap<>();
        merged.put("q", new String[] {"1"});
        merged.put("a", new String[] {"0", "1"});
        merged.put("b", new String[] {"x y"});
        merged.put("c", new String[] {"é"});
        assertEquals("a=1&b=x+y&c=%C3%A9", encode(merged, "q=1&a=0", "UTF-8"));
        assertEquals("a=1&b=x+y&c=%E9", encode(merged, "q=1&a=0", "ISO-8859-1"));
    }

    @Test
    void nothingFromTheBodyMeansNoBody() {
        Map<String, String[]> onlyQuery = new LinkedHashMap<>();
        onlyQuery.put("a", new String[] {"1", "2"});
        assertNull(encode(onlyQuery, "a=1&a=2", "UTF-8"));
        assertNull(encode(new LinkedHashMap<String, String[]>(), null, "UTF-8"));
        assertNull(encode(onlyQuery, null, "no-such-charset"));
    }

    @Test
    void encodedQueryNamesAreDecodedBeforeTheyAreCounted() {
        Map<String, String[]> merged = new LinkedHashMap<>();
        merged.put("a b", new String[] {"query", "body"});
        assertEquals("a+b=body", encode(merged, "a%20b=query", "UTF-8"));
    }

    @Test
    void formDetectionAndDefaultCharsets() {
        assertTrue(FormBody.isForm("application/x-www-form-urlencoded; charset=UTF-8"));
        assertTrue(FormBody.isForm("Application/X-WWW-Form-Urlencoded"));
        assertFalse(FormBody.isForm("multipart/form-data; boundary=x"));
        assertFalse(FormBody.isForm(null));
        assertEquals("UTF-8", FormBody.charset(null, "org.eclipse.jetty.ee10.servlet.ServletApiRequest"));
        assertEquals("ISO-8859-1", FormBody.charset(null, "org.apache.catalina.connector.RequestFacade"));
        assertEquals("windows-1252", FormBody.charset("windows-1252", "org.eclipse.jetty.X"));
    }
}
