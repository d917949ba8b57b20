package io.graylane.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TransformCacheTest {

    private static final String IDENTITY = "graylane 1\nsettings a\n";
    private static final byte[] ORIGINAL = bytes("class file of a.B, version 1");
    private static final byte[] CHANGED = bytes("class file of a.B with advice");
    private static final int[] CANDIDATES = {3, 7};

    @Test
    void aSecondStartFindsWhatTheFirstDid(@TempDir Path dir) throws IOException {
        TransformCache first = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        assertNull(first.find("a.B", ORIGINAL, CANDIDATES));
        first.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        first.add("a.Left", bytes("left alone"), new int[] {3}, new int[0], null);
        first.write();

        TransformCache second = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        TransformCache.Entry changed = second.find("a.B", ORIGINAL.clone(), CANDIDATES.clone());
        assertNotNull(changed);
        assertTrue(changed.isChanged());
        assertArrayEquals(new int[] {7}, changed.matched);
        assertArrayEquals(CHANGED, second.changed(changed));
        TransformCache.Entry left = second.find("a.Left", bytes("left alone"), new int[] {3});
        assertNotNull(left);
        assertFalse(left.isChanged());
        assertEquals(0, left.matched.length);
    }

    @Test
    void anotherClassFileOtherCandidatesOrAnotherNameFindNothing(@TempDir Path dir) {
        TransformCache first = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        first.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        first.write();

        TransformCache second = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        byte[] sameLength = ORIGINAL.clone();
        sameLength[sameLength.length - 1]++;
        assertNull(second.find("a.B", sameLength, CANDIDATES), "a class file of the same length, one byte changed");
        assertNull(second.find("a.B", bytes("class file of a.B, version 10"), CANDIDATES), "a longer class file");
        assertNull(second.find("a.B", ORIGINAL, new int[] {3}), "the same class file seen by fewer rules (another loader)");
        assertNull(second.find("a.C", ORIGINAL, CANDIDATES), "the same bytes under another name");
        assertNotNull(second.find("a.B", ORIGINAL, CANDIDATES));
    }

    @Test
    void anotherIdentityHasAFileOfItsOwn(@TempDir Path dir) throws IOException {
        TransformCache first = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        first.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        first.write();

        TransformCache other = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY + "graylane.mirror.enabled=true\n");
        assertNotEquals(first.file(), other.file());
        assertNull(other.find("a.B", ORIGINAL, CANDIDATES));
        other.add("a.B", ORIGINAL, CANDIDATES, new int[0], null);
        other.write();
        assertEquals(2, list(dir).length);
        assertNotNull(TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY).find("a.B", ORIGINAL, CANDIDATES));
    }

    @Test
    void aDamagedFileIsIgnoredAndWrittenAnew(@TempDir Path dir) throws IOException {
        TransformCache first = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        first.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        first.write();
        byte[] whole = Files.readAllBytes(first.file());

        for (int cut : new int[] {3, 20, whole.length - CHANGED.length - 1, whole.length - 1}) {
            Files.write(first.file(), Arrays.copyOf(whole, cut));
            assertNull(TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY).find("a.B", ORIGINAL, CANDIDATES),
                    "a file cut after " + cut + " of " + whole.length + " bytes");
        }
        byte[] garbage = whole.clone();
        Arrays.fill(garbage, 16, garbage.length, (byte) 0x7f);
        Files.write(first.file(), garbage);
        TransformCache damaged = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        assertNull(damaged.find("a.B", ORIGINAL, CANDIDATES));
        damaged.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        damaged.write();

        TransformCache.Entry entry = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY).find("a.B", ORIGINAL, CANDIDATES);
        assertNotNull(entry);
        assertArrayEquals(CHANGED, TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY).changed(entry));
        assertEquals(1, list(dir).length, "no temporary file left");
    }

    @Test
    void aStartThatAddsNothingLeavesTheFileAsItWas(@TempDir Path dir) throws IOException {
        TransformCache first = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        first.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        first.write();
        long modified = Files.getLastModifiedTime(first.file()).toMillis();
        byte[] content = Files.readAllBytes(first.file());

        TransformCache second = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        assertNotNull(second.find("a.B", ORIGINAL, CANDIDATES));
        second.write();
        assertArrayEquals(content, Files.readAllBytes(first.file()));
        assertEquals(modified, Files.getLastModifiedTime(first.file()).toMillis());
    }

    @Test
    void entriesUsedOrAddedComeFirstAndTheFileStaysBounded(@TempDir Path dir) throws IOException {
        TransformCache first = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        for (int i = 0; i < TransformCache.MAX_ENTRIES; i++) first.add("a.Old" + i, ORIGINAL, CANDIDATES, new int[0], null);
        first.add("a.OneTooMany", ORIGINAL, CANDIDATES, new int[0], null);
        first.write();

        TransformCache second = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        assertNull(second.find("a.OneTooMany", ORIGINAL, CANDIDATES), "past the bound");
        assertNotNull(second.find("a.Old5", ORIGINAL, CANDIDATES));
        // the file is full: a new entry takes the place of one that was not used
        second.add("a.New", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        second.write();

        TransformCache third = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        assertNotNull(third.find("a.Old5", ORIGINAL, CANDIDATES), "used in the second start");
        TransformCache.Entry added = third.find("a.New", ORIGINAL, CANDIDATES);
        assertNotNull(added, "added in the second start");
        assertArrayEquals(CHANGED, third.changed(added));
        int old = 0;
        for (int i = 0; i < TransformCache.MAX_ENTRIES; i++) {
            if (third.find("a.Old" + i, ORIGINAL, CANDIDATES) != null) old++;
        }
        assertEquals(TransformCache.MAX_ENTRIES - 1, old);
    }

    @Test
    void aDirectoryThatCannotBeMadeGivesNoCache(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("a-file"), bytes("not a directory"));
        assertNull(TransformCache.open(file.resolve("cache").toString(), "graylane.cache.dir", IDENTITY));
    }

    @Test
    void twoJvmsOfOneIdentityKeepWhatEachAdded(@TempDir Path dir) throws IOException {
        TransformCache front = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        TransformCache backend = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        front.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        backend.add("c.D", bytes("class file of c.D"), CANDIDATES, new int[] {3}, bytes("c.D with advice"));
        backend.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        front.write();
        backend.write();

        TransformCache next = TransformCache.open(dir.toString(), "graylane.cache.dir", IDENTITY);
        TransformCache.Entry b = next.find("a.B", ORIGINAL, CANDIDATES);
        TransformCache.Entry d = next.find("c.D", bytes("class file of c.D"), CANDIDATES);
        assertNotNull(b, "written by the first JVM to stop");
        assertNotNull(d, "written by the second");
        assertArrayEquals(CHANGED, next.changed(b));
        assertArrayEquals(bytes("c.D with advice"), next.changed(d));
        assertEquals(1, list(dir).length);
    }

    @Test
    void aDirectoryOrFileOthersMayWriteIsNotUsed(@TempDir Path dir) throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertNull(TransformCache.open(shared.toString(), "graylane.cache.dir", IDENTITY), "a directory anyone may write");

        Path own = dir.resolve("own");
        TransformCache first = TransformCache.open(own.toString(), "graylane.cache.dir", IDENTITY);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(own)), "a directory it made");
        first.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        first.write();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.file())));
        assertNotNull(TransformCache.open(own.toString(), "graylane.cache.dir", IDENTITY).find("a.B", ORIGINAL, CANDIDATES));

        Files.setPosixFilePermissions(first.file(), PosixFilePermissions.fromString("rw-rw-r--"));
        TransformCache second = TransformCache.open(own.toString(), "graylane.cache.dir", IDENTITY);
        assertNull(second.find("a.B", ORIGINAL, CANDIDATES), "a file its group may write");
        second.add("a.B", ORIGINAL, CANDIDATES, new int[] {7}, CHANGED);
        second.write();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.file())), "written anew");
        assertNotNull(TransformCache.open(own.toString(), "graylane.cache.dir", IDENTITY).find("a.B", ORIGINAL, CANDIDATES));
    }

    /** The cache files in {@code dir} (besides them: the lock file). */
    private static Path[] list(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> !file.getFileName().toString().endsWith(".lock")).toArray(Path[]::new);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
