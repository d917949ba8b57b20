package io.graylane.it;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** When a test fails, prints the end of the log of every application JVM still running. */
final class JvmLogTail implements TestWatcher {

    static final int LINES = 60;

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        StringBuilder out = new StringBuilder();
        for (AgentJvm jvm : AgentJvm.running()) {
            out.append(System.lineSeparator())
                    .append("===== ").append(testName(context)).append(" failed; last ").append(LINES)
                    .append(" lines of ").append(jvm).append(" =====").append(System.lineSeparator())
                    .append(jvm.logTail(LINES)).append(System.lineSeparator());
        }
        System.out.print(out);
        System.out.flush();
    }

    private static String testName(ExtensionContext context) {
        String method = context.getTestMethod().map(m -> "." + m.getName()).orElse("");
        return context.getRequiredTestClass().getSimpleName() + method + " [" + context.getDisplayName() + "]";
    }
}
