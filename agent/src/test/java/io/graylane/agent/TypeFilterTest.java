package io.graylane.agent;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TypeFilterTest {

    @Test
    void findsANameTheConstantPoolHolds() throws IOException {
        byte[] thread = classFile(Thread.class);
        assertTrue(TypeFilter.anyName().declaring("start").matchesClassFile(thread));
        assertTrue(TypeFilter.anyName().declaring("run").matchesClassFile(thread));
        // after Long and Double constants, which take two slots (Long.MAX_VALUE, Double.NaN)
        assertTrue(TypeFilter.anyName().declaring("parseLong").matchesClassFile(classFile(Long.class)));
        assertTrue(TypeFilter.anyName().declaring("doubleToRawLongBits").matchesClassFile(classFile(Double.class)));
        // a class with a lambda: MethodHandle and InvokeDynamic constants in its pool
        assertTrue(TypeFilter.anyName().declaring("findsANameTheConstantPoolHolds").matchesClassFile(classFile(TypeFilterTest.class)));
    }

    @Test
    void turnsAwayAClassWithoutTheName() throws IOException {
        assertFalse(TypeFilter.anyName().declaring("doFilter").matchesClassFile(classFile(Thread.class)));
        assertFalse(TypeFilter.anyName().declaring("star").matchesClassFile(classFile(Thread.class)));
        assertFalse(TypeFilter.anyName().declaring("subscribe").matchesClassFile(classFile(Long.class)));
    }

    @Test
    void onlyWholeEntriesCount() throws IOException {
        byte[] thread = classFile(Thread.class);
        String name = "getContextClassLoader";
        assertTrue(TypeFilter.anyName().declaring(name).matchesClassFile(thread));
        assertFalse(TypeFilter.anyName().declaring(name.substring(0, name.length() - 1)).matchesClassFile(thread));
        assertFalse(TypeFilter.anyName().declaring(name.substring(1)).matchesClassFile(thread));
    }

    @Test
    void bytesItCannotReadMayHoldTheName() throws IOException {
        byte[] thread = classFile(Thread.class);
        assertTrue(TypeFilter.anyName().declaring("doFilter").matchesClassFile(Arrays.copyOf(thread, 40)));
        byte[] unknownTag = thread.clone();
        unknownTag[10] = 99; // the first constant's tag
        assertTrue(TypeFilter.anyName().declaring("doFilter").matchesClassFile(unknownTag));
    }

    @Test
    void aFilterWithoutAConstantTakesAnyClassFile() {
        assertTrue(TypeFilter.named("a.B").matchesClassFile(new byte[0]));
        assertTrue(TypeFilter.named("a.B").matchesName("a/B"));
        assertFalse(TypeFilter.named("a.B").matchesName("a/C"));
        assertTrue(TypeFilter.nameStartsWith("a.b.").nameContains("Async").matchesName("a/b/c/AsyncContext"));
        assertFalse(TypeFilter.nameStartsWith("a.b.").nameContains("Async").matchesName("a/c/AsyncContext"));
        assertTrue(TypeFilter.anyName().declaring("x").toString().contains("declaring x"));
    }

    private static byte[] classFile(Class<?> type) throws IOException {
        String resource = "/" + type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getResourceAsStream(resource)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int read; (read = in.read(buffer)) > 0; ) out.write(buffer, 0, read);
            return out.toByteArray();
        }
    }

    @SuppressWarnings("unused")
    private static Runnable lambda() {
        return () -> System.out.println(StandardCharsets.UTF_8);
    }

    interface Marker {}

    interface SubMarker extends Marker {}

    static class Base implements SubMarker {}

    static class Derived extends Base {}

    @Test
    void aLoadedClassIsTestedForItsSuperTypesByName() {
        TypeFilter marker = TypeFilter.anyName().declaring("x").extending(Marker.class.getName());
        assertTrue(marker.matchesLoaded(Derived.class), "an interface of an interface of the super class");
        assertTrue(marker.matchesLoaded(Base.class));
        assertTrue(marker.matchesLoaded(SubMarker.class));
        assertTrue(marker.matchesLoaded(Marker.class), "the type itself, as hasSuperType counts it");
        assertFalse(marker.matchesLoaded(Thread.class));
        assertFalse(marker.matchesLoaded(TypeFilterTest.class));
        TypeFilter either = TypeFilter.anyName().extending("no.such.Type", Runnable.class.getName());
        assertTrue(either.matchesLoaded(Thread.class));
        assertFalse(either.matchesLoaded(String.class));
        assertTrue(TypeFilter.anyName().declaring("x").matchesLoaded(String.class), "no super type named: any class");
        assertTrue(marker.toString().contains("declaring x extending " + Marker.class.getName()), marker.toString());
    }
}
