package io.graylane.agent.instrumentation.jdbc;

import io.graylane.core.guard.ShadowGuard;
import net.bytebuddy.asm.Advice;

import java.sql.SQLException;

/**
 * {@code Statement.executeBatch/executeLargeBatch()}: a batch is a write, so a shadow copy's does not run; the method
 * throws the {@code SQLException} made here instead (see agent/README.md, "How advice fails a call on purpose").
 */
public final class StatementExecuteBatchAdvice {

    private StatementExecuteBatchAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static SQLException enter(@Advice.This Object statement) {
        String blocked = ShadowGuard.jdbcBatch(statement);
        return blocked == null ? null : new SQLException(blocked, "42501");
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter SQLException blocked, @Advice.Thrown(readOnly = false) Throwable thrown) {
        if (blocked != null) thrown = blocked;
    }
}
