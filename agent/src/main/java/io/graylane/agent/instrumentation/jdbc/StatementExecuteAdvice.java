package io.graylane.agent.instrumentation.jdbc;

import io.graylane.core.guard.ShadowGuard;
import net.bytebuddy.asm.Advice;

import java.sql.SQLException;

/**
 * {@code Statement.execute/executeQuery/executeUpdate/executeLargeUpdate(sql, ...)}: a write of a shadow copy does not
 * run; the method throws the {@code SQLException} made here instead (see agent/README.md, "How advice fails a call on
 * purpose").
 */
public final class StatementExecuteAdvice {

    private StatementExecuteAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static SQLException enter(@Advice.This Object statement, @Advice.Argument(0) String sql) {
        String blocked = ShadowGuard.jdbc(statement, sql);
        return blocked == null ? null : new SQLException(blocked, "42501");
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter SQLException blocked, @Advice.Thrown(readOnly = false) Throwable thrown) {
        if (blocked != null) thrown = blocked;
    }
}
