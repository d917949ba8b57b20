package io.graylane.agent;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
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
    /** A CONSTANT_Utf8 entry (tag, length, bytes) that the class file must hold, or null. */
    private final byte[] constant;

    private TypeFilter(Set<String> names, String prefix, String infix, byte[] constant) {
        this.names = names;
        this.prefix = prefix;
        this.infix = infix;
        this.constant = constant;
    }

    /** Classes with one of these binary names. */
    public static TypeFilter named(String... binaryNames) {
        Set<String> internal = new HashSet<>();
        for (String name : binaryNames) internal.add(internal(name));
        return new TypeFilter(Collections.unmodifiableSet(internal), null, null, null);
    }

    /** Classes whose binary name starts with {@code prefix}. */
    public static TypeFilter nameStartsWith(String prefix) {
        return new TypeFilter(null, internal(prefix), null, null);
    }

    /** Classes with any name (a rule that relies on its class-loader gate and {@link #declaring}). */
    public static TypeFilter anyName() {
        return new TypeFilter(null, null, null, null);
    }

    /** Also: the binary name contains {@code infix}. */
    public TypeFilter nameContains(String infix) {
        return new TypeFilter(names, prefix, internal(infix), constant);
    }

    /**
     * Also, for a class being loaded: its class file names {@code member} (a method or field it declares or calls
     * carries its name in the constant pool). For a rule whose advice applies only to methods of that name that the
     * class declares, this turns away every class that could not receive it.
     */
    public TypeFilter declaring(String member) {
        byte[] utf8 = member.getBytes(StandardCharsets.UTF_8);
        byte[] entry = new byte[utf8.length + 3];
        entry[0] = 1; // CONSTANT_Utf8
        entry[1] = (byte) (utf8.length >>> 8);
        entry[2] = (byte) utf8.length;
        System.arraycopy(utf8, 0, entry, 3, utf8.length);
        return new TypeFilter(names, prefix, infix, entry);
    }

    /** Whether a class of this internal name ({@code a/b/C$D}) may be one of the rule's. */
    boolean matchesName(String internalName) {
        if (names != null && !names.contains(internalName)) return false;
        if (prefix != null && !internalName.startsWith(prefix)) return false;
        return infix == null || internalName.contains(infix);
    }

    /** Whether these class file bytes may be one of the rule's (only called when the name matched). */
    boolean matchesClassFile(byte[] classFile) {
        return constant == null || contains(classFile, constant);
    }

    private static String internal(String binaryName) {
        return binaryName.replace('.', '/');
    }

    private static boolean contains(byte[] data, byte[] pattern) {
        byte first = pattern[0];
        byte second = pattern[1];
        int last = data.length - pattern.length;
        outer:
        for (int i = 0; i <= last; i++) {
            if (data[i] != first || data[i + 1] != second) continue;
            for (int j = 2; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) continue outer;
            }
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("TypeFilter(");
        if (names != null) text.append("names ").append(names).append(' ');
        if (prefix != null) text.append("prefix ").append(prefix).append(' ');
        if (infix != null) text.append("containing ").append(infix).append(' ');
        if (constant != null) text.append("declaring ").append(new String(constant, 3, constant.length - 3, StandardCharsets.UTF_8));
        return text.append(')').toString();
    }
}
