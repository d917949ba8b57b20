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
}
