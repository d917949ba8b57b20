package io.graylane.agent;

import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;

import java.security.ProtectionDomain;

/** Changes one type a rule matched: inlines advice, substitutes a call, or prepares its class loader. */
public interface TypeTransformer {

    /** Returns the builder with this transformer's changes; throws to leave the type as it was (the failure is logged). */
    DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type, ClassLoader classLoader,
                                     ProtectionDomain protectionDomain);

    /**
     * What {@link #transform} does besides changing the class (defining helpers in its loader), for a class whose
     * changed class file comes from the class cache; throws to leave the type as it was.
     */
    default void prepare(String typeName, ClassLoader classLoader, ProtectionDomain protectionDomain) {
    }

    /**
     * What this transformer writes into a class file, as text that is the same in every start that writes the same
     * and differs otherwise (the code it writes is in graylane's jar; the text tells which of it, where): part of the
     * class cache's identity, so that a start whose settings change what is written uses a file of its own. Null for
     * a transformer that leaves the class file as it is ({@link #prepare} alone).
     */
    default String changes() {
        return getClass().getName();
    }
}
