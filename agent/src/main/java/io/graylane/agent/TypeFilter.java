package io.graylane.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The cheap test in front of a rule's type matcher, run on every class the JVM loads: the class name and, for a class
 * being loaded, its class file bytes. It may let through classes the matcher then rejects, never the other way round:
 * a class it turns away is never described, parsed or matched by Byte Buddy, which is what start-up time is made of.
 */
public final class TypeFilter {

    /** Internal names ({@code a/b/C$D}), as the JVM hands them to a transformer, or null for any name. */
    private final Set<String> names;
    /** Internal form, or null. */
    private final String prefix;
    /** Internal form, or null. */
    private final String infix;
    /** The bytes of a CONSTANT_Utf8 entry (modified UTF-8, as in the class file) that the class file must hold, or null. */
    private final byte[] constant;
    /** Binary names, one of which a loaded class or one of its super types must have, or null. */
    private final String[] superTypes;

    private TypeFilter(Set<String> names, String prefix, String infix, byte[] constant, String[] superTypes) {
        this.names = names;
        this.prefix = prefix;
        this.infix = infix;
        this.constant = constant;
        this.superTypes = superTypes;
    }

    /** Classes with one of these binary names. */
    public static TypeFilter named(String... binaryNames) {
        Set<String> internal = new HashSet<>();
        for (String name : binaryNames) internal.add(internal(name));
        return new TypeFilter(Collections.unmodifiableSet(internal), null, null, null, null);
    }

    /** Classes whose binary name starts with {@code prefix}. */
    public static TypeFilter nameStartsWith(String prefix) {
        return new TypeFilter(null, internal(prefix), null, null, null);
    }

    /** Classes with any name (a rule that relies on its class-loader gate and {@link #declaring}). */
    public static TypeFilter anyName() {
        return new TypeFilter(null, null, null, null, null);
    }

    /** Also: the binary name contains {@code infix}. */
    public TypeFilter nameContains(String infix) {
        return new TypeFilter(names, prefix, internal(infix), constant, superTypes);
    }

    /**
     * Also, for a class being loaded: its class file names {@code member} (a method or field it declares or calls
     * carries its name in the constant pool). For a rule whose advice applies only to methods of that name that the
     * class declares, this turns away every class that could not receive it.
     */
    public TypeFilter declaring(String member) {
        // member names are ASCII
        return new TypeFilter(names, prefix, infix, member.getBytes(StandardCharsets.UTF_8), superTypes);
    }

    /**
     * Also, for a class already loaded (looked at when instrumentation starts, with no class file at hand for
     * {@link #declaring}): the class, one of its super classes or one of their interfaces has one of these binary
     * names. Found by reflection on what the JVM has linked already, which loads nothing; it spares the rule's type
     * matcher every class of a loader that merely sees the library (a Spring Boot application's own classes, loaded
     * before the library's first class starts instrumentation). Only for a rule whose matcher requires such a super
     * type.
     */
    public TypeFilter extending(String... binaryNames) {
        return new TypeFilter(names, prefix, infix, constant, binaryNames.clone());
    }

    /** The internal names this filter lets through, or null when it tests names otherwise. */
    Set<String> names() {
        return names;
    }

    /** Whether a class of this internal name ({@code a/b/C$D}) may be one of the rule's. */
    boolean matchesName(String internalName) {
        if (names != null && !names.contains(internalName)) return false;
        if (prefix != null && !internalName.startsWith(prefix)) return false;
        return infix == null || internalName.contains(infix);
    }

    /** Whether this loaded class may be one of the rule's (only called when the name matched). */
    boolean matchesLoaded(Class<?> type) {
        return superTypes == null || extendsOneOf(type, superTypes);
    }

    private static boolean extendsOneOf(Class<?> type, String[] binaryNames) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (namedOneOf(c, binaryNames)) return true;
            for (Class<?> implemented : c.getInterfaces()) {
                if (extendsOneOf(implemented, binaryNames)) return true;
            }
        }
        return false;
    }

    private static boolean namedOneOf(Class<?> type, String[] binaryNames) {
        String name = type.getName();
        for (String candidate : binaryNames) {
            if (candidate.equals(name)) return true;
        }
        return false;
    }

    /** Whether these class file bytes may be one of the rule's (only called when the name matched). */
    boolean matchesClassFile(byte[] classFile) {
        return constant == null || holdsUtf8(classFile, constant);
    }

    private static String internal(String binaryName) {
        return binaryName.replace('.', '/');
    }

    /**
     * Whether the constant pool of {@code classFile} has a CONSTANT_Utf8 entry of exactly these bytes. The walk visits
     * each constant once and compares only entries of the same length; it stops at the end of the pool, before the
     * class's fields and code. Bytes it cannot read as a constant pool (a tag it does not know, a truncated file) may
     * hold the entry: Byte Buddy then decides.
     */
    static boolean holdsUtf8(byte[] classFile, byte[] utf8) {
        try {
            int count = u2(classFile, 8);
            int at = 10;
            for (int index = 1; index < count; index++) {
                switch (classFile[at]) {
                    case 1: // Utf8
                        int length = u2(classFile, at + 1);
                        if (length == utf8.length && equalAt(classFile, at + 3, utf8)) return true;
                        at += 3 + length;
                        break;
                    case 7: case 8: case 16: case 19: case 20: // Class, String, MethodType, Module, Package
                        at += 3;
                        break;
                    case 15: // MethodHandle
                        at += 4;
                        break;
                    case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: // Integer ... InvokeDynamic
                        at += 5;
                        break;
                    case 5: case 6: // Long, Double: two slots
                        at += 9;
                        index++;
                        break;
                    default:
                        return true;
                }
            }
            return false;
        } catch (ArrayIndexOutOfBoundsException truncated) {
            return true;
        }
    }

    private static int u2(byte[] data, int at) {
        return (data[at] & 0xFF) << 8 | data[at + 1] & 0xFF;
    }

    private static boolean equalAt(byte[] data, int at, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (data[at + i] != expected[i]) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (names != null) parts.add("names " + names);
        if (prefix != null) parts.add("prefix " + prefix);
        if (infix != null) parts.add("containing " + infix);
        if (constant != null) parts.add("declaring " + new String(constant, StandardCharsets.UTF_8));
        if (superTypes != null) parts.add("extending " + String.join(" or ", superTypes));
        return "TypeFilter(" + String.join(" ", parts) + ")";
    }
}
