package io.graylane.agent.instrumentation.jdbc;

import io.graylane.agent.Advices;
import io.graylane.agent.ClassLoaders;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.agent.TypeFilter;
import io.graylane.core.Traffic;
import io.graylane.core.config.Config;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * JDBC, any driver, for the shadow write guard: every class implementing {@code java.sql.Connection} remembers the SQL
 * of the statements shadow work prepares, every class implementing {@code java.sql.Statement} checks a statement before
 * it runs. Installed only when {@code graylane.shadow.guard} is not off: it has nothing else to do.
 */
public final class JdbcInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.jdbc.";
    private static final String CONNECTION = "java.sql.Connection";
    private static final String STATEMENT = "java.sql.Statement";

    @Override
    public Hook hook() {
        return Hook.JDBC;
    }

    /**
     * Shadow work only arrives through an inbound hook, which starts instrumentation; the drivers' classes loaded
     * before are picked up then. (As a leader, its any-name rules would start instrumentation, and load Byte Buddy, at
     * start-up in every JVM with the guard on.)
     */
    @Override
    public boolean followsOtherModules() {
        return true;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        Config config = Traffic.config();
        if (config == null || config.shadow.mode == ShadowGuard.Mode.OFF) return;
        rules
                .type(TypeFilter.anyName().declaring("prepareStatement").extending(CONNECTION),
                        not(isInterface()).and(hasSuperType(named(CONNECTION))),
                        ClassLoaders.canSee(CONNECTION))
                .transform(advices.advice(hook(), named("prepareStatement").and(takesArgument(0, named("java.lang.String")))
                        .and(not(isAbstract())), PACKAGE + "ConnectionPrepareStatementAdvice"))
                .type(TypeFilter.anyName().declaring("prepareCall").extending(CONNECTION),
                        not(isInterface()).and(hasSuperType(named(CONNECTION))),
                        ClassLoaders.canSee(CONNECTION))
                .transform(advices.advice(hook(), named("prepareCall").and(takesArgument(0, named("java.lang.String")))
                        .and(not(isAbstract())), PACKAGE + "ConnectionPrepareStatementAdvice"));
        // one rule per method name, each only for classes that declare it, so no method gets the advice twice
        for (String method : new String[] {"execute", "executeQuery", "executeUpdate", "executeLargeUpdate"}) {
            rules
                    .type(TypeFilter.anyName().declaring(method).extending(STATEMENT),
                            not(isInterface()).and(hasSuperType(named(STATEMENT))),
                            ClassLoaders.canSee(STATEMENT))
                    .transform(advices.advice(hook(), named(method).and(takesArgument(0, named("java.lang.String"))).and(not(isAbstract())),
                            PACKAGE + "StatementExecuteAdvice"))
                    .transform(advices.advice(hook(), named(method).and(takesArguments(0)).and(not(isAbstract())),
                            PACKAGE + "PreparedStatementExecuteAdvice"));
        }
        for (String method : new String[] {"executeBatch", "executeLargeBatch"}) {
            rules
                    .type(TypeFilter.anyName().declaring(method).extending(STATEMENT),
                            not(isInterface()).and(hasSuperType(named(STATEMENT))),
                            ClassLoaders.canSee(STATEMENT))
                    .transform(advices.advice(hook(), namedOneOf(method).and(takesArguments(0)).and(not(isAbstract())),
                            PACKAGE + "StatementExecuteBatchAdvice"));
        }
    }
}
