package io.graylane.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class BaggageTest {

    @Test
    void findsTheKeyAmongSeveralEntries() {
        String header = "userId=alice, x-asm-traffic-tag=lane-a;prop=1 , serverNode=DF%2028";
        assertEquals("lane-a", Baggage.get(header, "x-asm-traffic-tag"));
        assertEquals("alice", Baggage.get(header, "userId"));
        assertEquals("DF 28", Baggage.get(header, "serverNode"));
    }

    @Test
    void firstAndOnlyEntry() {
        assertEquals("lane-a", Baggage.get("k=lane-a", "k"));
        assertEquals("lane-a", Baggage.get("k=lane-a,other=1", "k"));
        assertEquals("lane-a", Baggage.get("other=1,k=lane-a", "k"));
    }

    @Test
    void optionalWhitespaceAroundKeyValueAndProperties() {
        assertEquals("v", Baggage.get("a=1 ,  k = v ; prop=1;flag", "k"));
        assertEquals("v", Baggage.get("a=1,\tk=v", "k"));
        assertEquals("v", Baggage.get("a=1,k\t=\tv\t;p", "k"));
    }

    /** Found by BadInputIT: a control character is not optional whitespace, so it stays part of the value. */
    @Test
    void controlCharactersAreNotTrimmedAwayLikeWhitespace() {
        assertEquals("\rx", Baggage.get("a=1,k=\rx", "k"));
        assertEquals("x\u0001", Baggage.get("k=x\u0001;p", "k"));
        assertEquals("a=1\u001f,b=2", Baggage.without("a=1\u001f,k=v, b=2 ", "k"));
    }

    @Test
    void propertiesAreNotPartOfTheValueAndAreNotKeys() {
        assertEquals("v", Baggage.get("k=v;prop=1", "k"));
        assertNull(Baggage.get("a=1;k=2", "k"), "a property named k is not the entry k");
        assertEquals("3", Baggage.get("a=1;k=2,k=3", "k"));
    }

    @Test
    void percentDecoding() {
        assertEquals("a b,c;d=e", Baggage.get("k=a%20b%2Cc%3bd%3De", "k"));
        assertEquals("caf\u00e9", Baggage.get("k=caf%C3%A9", "k"));
        assertEquals("a+b", Baggage.get("k=a+b", "k"), "plus is not a space in baggage");
        assertEquals("%", Baggage.get("k=%25", "k"));
    }

    @Test
    void malformedPercentEncodingIsNull() {
        assertNull(Baggage.get("k=%", "k"));
        assertNull(Baggage.get("k=%2", "k"));
        assertNull(Baggage.get("k=abc%2", "k"));
        assertNull(Baggage.get("k=%zz", "k"));
        assertNull(Baggage.get("k=%g1", "k"));
        assertNull(Baggage.get("k=%2,other=1", "k"));
    }

    @Test
    void absentKeyIsNull() {
        assertNull(Baggage.get("", "k"));
        assertNull(Baggage.get("a=1,b=2", "k"));
        assertNull(Baggage.get("k", "k"), "an entry without '=' has no value");
        assertNull(Baggage.get("k,a=1", "k"));
        assertNull(Baggage.get("=k,a=1", "k"));
        assertNull(Baggage.get("a=k", "k"), "a value equal to the key is not the key");
        assertNull(Baggage.get("K=1", "k"), "keys are case-sensitive");
    }

    @Test
    void keyThatIsAPrefixOrSuffixOfAnotherKey() {
        assertEquals("2", Baggage.get("kk=1,k=2", "k"));
        assertEquals("1", Baggage.get("kk=1,k=2", "kk"));
        assertNull(Baggage.get("kk=1,k2=2,xk=3", "k"));
        assertEquals("lane-b", Baggage.get("x-asm-traffic-tag-old=lane-a,x-asm-traffic-tag=lane-b", "x-asm-traffic-tag"));
    }

    @Test
    void emptyEntriesAreSkipped() {
        assertEquals("v", Baggage.get(",, ,k=v", "k"));
        assertEquals("", Baggage.get("k=", "k"));
    }

    @org.junit.jupiter.api.Test
    void withoutDropsOnlyTheNamedEntries() {
        org.junit.jupiter.api.Assertions.assertEquals("a=1,b=2;p", Baggage.without("a=1, x-asm-traffic-tag=bad%0D%0A ,b=2;p", "x-asm-traffic-tag"));
        org.junit.jupiter.api.Assertions.assertNull(Baggage.without("x-asm-traffic-tag=v", "x-asm-traffic-tag"));
        org.junit.jupiter.api.Assertions.assertTrue(Baggage.has("a=1,x-asm-traffic-tag=%zz", "x-asm-traffic-tag"));
        org.junit.jupiter.api.Assertions.assertFalse(Baggage.has("a=1,x-asm-traffic-tagx=1", "x-asm-traffic-tag"));
    }
}
