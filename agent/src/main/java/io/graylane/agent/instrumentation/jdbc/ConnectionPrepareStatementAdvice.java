package io.graylane.agent.instrumentation.jdbc;

import io.graylane.core.guard.ShadowGuard;
import net.bytebuddy.asm.Advice;

/** {@code Connection.prepareStatement/prepareCall(sql, ...)}: the statement returned remembers its SQL (shadow work only). */
public final class ConnectionPrepareStatementAdvice {

    private ConnectionPrepareStatementAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) String sql, @Advice.Return Object statement) {
        ShadowGuard.prepared(statement, sql);
    }
}
