package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent jar reaches the bootstrap class path through its manifest's Boot-Class-Path, before the JVM starts: the
 * JVM keeps sharing the application's classes from its class data archive and prints no warning. A jar of another name
 * is appended as graylane starts, and one that finds a graylane-agent.jar beside it says which jar it runs.
 */
class BootClassPathIT {

    private static final String SHARING_WARNING = "Sharing is only supported for boot loader classes";

    @Test
    void theAgentJarStartsWithoutTheJvmsClassSharingWarning() throws Exception {
        String output = LazyStartIT.launchNothing(Artifacts.agentJar());
        assertFalse(output.contains(SHARING_WARNING), () -> "expected no class-sharing warning in:\n" + output);
        assertFalse(output.contains("[graylane] WARN"), () -> "expected no warning of graylane in:\n" + output);
    }

    @Test
    void aRenamedJarStillStarts(@TempDir Path dir) throws Exception {
        Path renamed = Files.copy(Artifacts.agentJar(), dir.resolve("graylane-1.2.3.jar"));
        String output = LazyStartIT.launchNothing(renamed);
        assertFalse(output.contains("[graylane] WARN"), () -> "expected no warning of graylane in:\n" + output);
    }

    @Test
    void aRenamedJarBesideAGraylaneAgentJarSaysItRunsThatOne(@TempDir Path dir) throws Exception {
        Path renamed = Files.copy(Artifacts.agentJar(), dir.resolve("graylane-1.2.3.jar"));
        Path beside = Files.copy(Artifacts.agentJar(), dir.resolve("graylane-agent.jar"));
        String output = LazyStartIT.launchNothing(renamed);
        assertTrue(output.contains("[graylane] WARN graylane runs from " + beside + ", on the bootstrap class path"
                        + " through the Boot-Class-Path of " + renamed),
                () -> "expected graylane to name the jar it runs and the one given in:\n" + output);
    }
}
