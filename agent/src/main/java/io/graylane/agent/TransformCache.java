package io.graylane.agent;

import io.graylane.core.log.Log;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Adler32;
import java.util.zip.CRC32;

/**
 * What graylane did to each class it looked at in earlier starts of the same application ({@code graylane.cache.dir}):
 * the class left alone, or its changed class file and the rules that changed it. A class whose class file, name and
 * candidate rules are those of an entry gets the entry's answer without Byte Buddy, which a start with every answer
 * cached never loads: the changes themselves are most of what graylane adds to a start.
 *
 * <p>One file per identity: graylane's jar (its entries' names, sizes and checksums), the JVM, the configuration and
 * the rules it makes; another identity gets another file. The file is read once, when graylane starts, into an index
 * of names, lengths and checksums; a changed class file is read from it when its class loads. What a start added is
 * written when the JVM exits (a shutdown hook, so also on SIGTERM), merged with what other JVMs of the same identity
 * wrote meanwhile, to a temporary file moved over the old one: a reader never sees half a file. The file holds at
 * most {@value #MAX_ENTRIES} entries and {@value #MAX_BYTES} bytes, those used or added by the last start first. A file
 * that cannot be read is ignored with one warning. The changed classes in it run as the application's code: a
 * directory or file that users other than its owner may write (POSIX permissions) is not used.
 *
 * <p>An entry is found by the class file's length and two checksums (CRC-32 and Adler-32) besides its name and
 * candidate rules. A class whose own bytes did not change but whose super types did (another version of a library it
 * extends) gets the answer of before, which holds unless the library stopped extending the type a rule matches.
 */
final class TransformCache {

    static final int MAX_ENTRIES = 20_000;
    static final long MAX_BYTES = 64L << 20;
    /** The changed class files a start keeps in memory until it writes them at exit. */
    static final long MAX_ADDED_BYTES = 16L << 20;
    private static final int MAGIC = 0x47524c43; // GRLC
    private static final int FORMAT = 1;
    private static final int[] NONE = new int[0];

    private final Path file;
    private final long identity;
    private final Map<String, Entry[]> index;
    private final List<Entry> added = Collections.synchronizedList(new ArrayList<Entry>());
    /** How many more entries, and bytes of changed class files, this start may add; what it adds is kept until exit. */
    private final AtomicInteger room;
    private final AtomicLong roomBytes = new AtomicLong(MAX_ADDED_BYTES);
    private final AtomicInteger hits = new AtomicInteger();

    private TransformCache(Path file, long identity, Map<String, Entry[]> index) {
        this.file = file;
        this.identity = identity;
        this.index = index;
        this.room = new AtomicInteger(MAX_ENTRIES);
    }

    /**
     * The cache of this identity in {@code directory}, created when missing, or null (with a warning naming the key
     * and the directory) when the directory cannot be made.
     */
    static TransformCache open(String directory, String key, String identityText) {
        long identity = checksum(identityText.getBytes(StandardCharsets.UTF_8));
        Path file;
        try {
            Path dir = Paths.get(directory);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
            String others = writableByOthers(dir);
            if (others != null) {
                Log.warn(key + " '" + directory + "' may be written by other users (" + others + "): the classes kept"
                        + " there would run as this service's code; expected a directory only its owner may write;"
                        + " starting without the cache");
                return null;
            }
            file = dir.resolve("graylane-" + Long.toHexString(identity) + ".cache");
        } catch (IOException | RuntimeException e) {
            Log.warn(key + " '" + directory + "' cannot be used (" + e + "): expected a directory graylane may create"
                    + " and write; starting without the cache");
            return null;
        }
        Map<String, Entry[]> index = new HashMap<>();
        List<Entry> entries = Collections.emptyList();
        try {
            String others = Files.exists(file) ? writableByOthers(file) : null;
            if (others != null) throw new IOException("it may be written by other users: " + others);
            entries = read(file, identity);
        } catch (IOException | RuntimeException e) {
            Log.warn("the class cache " + file + " cannot be read (" + e + "); it is written anew when the JVM exits");
        }
        for (Entry entry : entries) {
            Entry[] named = index.get(entry.name);
            named = named == null ? new Entry[1] : Arrays.copyOf(named, named.length + 1);
            named[named.length - 1] = entry;
            index.put(entry.name, named);
        }
        if (Log.isDebug()) Log.debug("class cache " + file + ": " + entries.size() + " entries");
        return new TransformCache(file, identity, index);
    }

    /** The POSIX permissions of the path if users other than its owner may write it, else null (also without POSIX). */
    private static String writableByOthers(Path path) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (view == null) return null;
        Set<PosixFilePermission> permissions = view.readAttributes().permissions();
        boolean others = permissions.contains(PosixFilePermission.GROUP_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_WRITE);
        return others ? PosixFilePermissions.toString(permissions) : null;
    }

    Path file() {
        return file;
    }

    /** Writes what this start added when the JVM exits. */
    void writeOnExit() {
        try {
            Thread writer = new Thread(this::write, "graylane-class-cache");
            writer.setContextClassLoader(null);
            Runtime.getRuntime().addShutdownHook(writer);
        } catch (RuntimeException exiting) {
            // the JVM is already exiting
        }
    }

    /** The entry for this class file and these candidate rules (their indexes), or null. */
    Entry find(String name, byte[] classFile, int[] candidates) {
        Entry[] entries = index.get(name);
        if (entries == null) return null;
        long checksum = 0;
        for (Entry entry : entries) {
            if (entry.length != classFile.length || !Arrays.equals(entry.candidates, candidates)) continue;
            if (checksum == 0) checksum = checksum(classFile);
            if (entry.checksum == checksum) {
                entry.used = true;
                hits.incrementAndGet();
                return entry;
            }
        }
        return null;
    }

    /** The changed class file of an entry that {@link Entry#isChanged}. */
    byte[] changed(Entry entry) throws IOException {
        if (entry.changed != null) return entry.changed;
        ByteBuffer buffer = ByteBuffer.allocate(entry.changedLength);
        long at = entry.changedAt;
        while (buffer.hasRemaining()) {
            int read = entry.source.read(buffer, at);
            if (read < 0) throw new EOFException(file + " ends inside the entry of " + entry.name);
            at += read;
        }
        return buffer.array();
    }

    /** Keeps what this start did to a class: {@code matched} rule indexes and {@code changed} bytes, or neither. */
    void add(String name, byte[] classFile, int[] candidates, int[] matched, byte[] changed) {
        if (room.get() <= 0 || room.getAndDecrement() <= 0) return;
        if (changed != null && roomBytes.addAndGet(-changed.length) < 0) return;
        Entry entry = new Entry(name, classFile.length, checksum(classFile), candidates,
                matched == null ? NONE : matched, changed == null ? -1 : changed.length);
        entry.changed = changed;
        entry.used = true;
        added.add(entry);
    }

    /**
     * Writes the file anew if this start added an entry: the entries this start used, those it added, those another
     * JVM of the same identity wrote since this one started (services of one host may share a directory), then the
     * others, up to the bounds. A lock file keeps two JVMs of one identity from writing at once. The files read stay
     * open (for classes loaded by other shutdown hooks) until the JVM exits: the new file is moved over the old one's
     * name, not over its content.
     */
    void write() {
        if (added.isEmpty()) {
            if (Log.isDebug()) Log.debug("class cache " + file + ": " + hits + " classes answered, nothing new");
            return;
        }
        Path temporary = null;
        try (FileChannel lockFile = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lock(lockFile)) {
            List<Entry> used = new ArrayList<>();
            List<Entry> unused = new ArrayList<>();
            for (Entry[] named : index.values()) {
                for (Entry entry : named) (entry.used ? used : unused).add(entry);
            }
            List<Entry> entries = new ArrayList<>(used);
            synchronized (added) {
                entries.addAll(added);
            }
            List<Entry> onDisk = Collections.emptyList();
            try {
                onDisk = read(file, identity);
            } catch (IOException | RuntimeException unreadable) {
                // written over
            }
            entries.addAll(onDisk);
            entries.addAll(unused);
            temporary = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try (OutputStream out = Files.newOutputStream(temporary)) {
                write(new DataOutputStream(new BufferedOutputStream(out, 1 << 16)), distinct(entries));
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (Log.isDebug()) {
                Log.debug("class cache " + file + " written: " + hits + " classes answered, " + added.size() + " new entries");
            }
        } catch (IOException | RuntimeException e) {
            Log.warn("the class cache " + file + " could not be written: " + e);
            try {
                if (temporary != null) Files.deleteIfExists(temporary);
            } catch (IOException | RuntimeException ignored) {
                // nothing more to do
            }
        }
    }

    /** The lock of another JVM's write is waited for up to 2 s; then this one writes without it. */
    private static FileLock lock(FileChannel lockFile) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                FileLock lock = lockFile.tryLock();
                if (lock != null) return lock;
            } catch (OverlappingFileLockException thisJvm) {
                return null;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** The first entry of each class file, name and candidates, in order. */
    private static List<Entry> distinct(List<Entry> entries) {
        Map<String, List<Entry>> seen = new HashMap<>();
        List<Entry> distinct = new ArrayList<>(entries.size());
        next:
        for (Entry entry : entries) {
            List<Entry> named = seen.get(entry.name);
            if (named == null) seen.put(entry.name, named = new ArrayList<>(1));
            for (Entry other : named) {
                if (other.length == entry.length && other.checksum == entry.checksum
                        && Arrays.equals(other.candidates, entry.candidates)) continue next;
            }
            named.add(entry);
            distinct.add(entry);
        }
        return distinct;
    }

    private void write(DataOutputStream out, List<Entry> entries) throws IOException {
        long bytes = 0;
        int count = 0;
        for (Entry entry : entries) {
            bytes += entry.name.length() * 3L + 32 + 4L * (entry.candidates.length + entry.matched.length)
                    + Math.max(0, entry.changedLength);
            if (bytes > MAX_BYTES || count == MAX_ENTRIES) break;
            count++;
        }
        out.writeInt(MAGIC);
        out.writeInt(FORMAT);
        out.writeLong(identity);
        out.writeInt(count);
        for (Entry entry : entries.subList(0, count)) {
            byte[] name = entry.name.getBytes(StandardCharsets.UTF_8);
            out.writeShort(name.length);
            out.write(name);
            out.writeInt(entry.length);
            out.writeLong(entry.checksum);
            writeInts(out, entry.candidates);
            writeInts(out, entry.matched);
            out.writeInt(entry.changedLength);
            if (entry.changedLength >= 0) out.write(changed(entry));
        }
        out.flush();
    }

    /** The entries of the file, none when it does not exist; its channel stays open as the source of their bytes. */
    private static List<Entry> read(Path file, long identity) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException none) {
            return Collections.emptyList();
        }
        try {
            return read(channel, identity);
        } catch (IOException | RuntimeException e) {
            close(channel);
            throw e;
        }
    }

    private static List<Entry> read(FileChannel channel, long identity) throws IOException {
        long size = channel.size();
        if (size > MAX_BYTES + (1 << 20)) throw new IOException("a file of " + size + " bytes");
        ByteBuffer in = ByteBuffer.allocate((int) size);
        while (in.hasRemaining()) {
            if (channel.read(in, in.position()) < 0) throw new EOFException();
        }
        in.flip();
        if (in.getInt() != MAGIC || in.getInt() != FORMAT || in.getLong() != identity) {
            throw new IOException("not a class cache of this graylane, JVM and configuration");
        }
        int count = in.getInt();
        if (count < 0 || count > MAX_ENTRIES) throw new IOException("an entry count of " + count);
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[in.getShort() & 0xFFFF];
            in.get(name);
            Entry entry = new Entry(new String(name, StandardCharsets.UTF_8), in.getInt(), in.getLong(), readInts(in),
                    readInts(in), in.getInt());
            if (entry.changedLength >= 0) {
                entry.source = channel;
                entry.changedAt = in.position();
                in.position(in.position() + entry.changedLength);
            }
            entries.add(entry);
        }
        if (in.hasRemaining()) throw new IOException("bytes after the last entry");
        return entries;
    }

    private static void writeInts(DataOutputStream out, int[] values) throws IOException {
        out.writeShort(values.length);
        for (int value : values) out.writeShort(value);
    }

    private static int[] readInts(ByteBuffer in) {
        int length = in.getShort() & 0xFFFF;
        if (length == 0) return NONE;
        int[] values = new int[length];
        for (int i = 0; i < length; i++) values[i] = in.getShort() & 0xFFFF;
        return values;
    }

    /** CRC-32 and Adler-32 of the bytes, one in each half; both are computed by the JVM's native code. */
    static long checksum(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length);
        Adler32 adler = new Adler32();
        adler.update(bytes, 0, bytes.length);
        long checksum = crc.getValue() << 32 | adler.getValue();
        return checksum == 0 ? 1 : checksum;
    }

    private static void close(FileChannel channel) {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // read only
        }
    }

    /** One class as it was looked at. */
    static final class Entry {
        final String name;
        final int length;
        final long checksum;
        /** The indexes of the rules whose filter and class-loader gate let it through, in order. */
        final int[] candidates;
        /** The indexes of the rules that changed it; empty when it was left alone. */
        final int[] matched;
        /** -1 when it was left alone. */
        final int changedLength;
        /** Where the changed class file is, in {@link #source}; or {@link #changed} itself (added by this start). */
        FileChannel source;
        long changedAt = -1;
        byte[] changed;
        volatile boolean used;

        Entry(String name, int length, long checksum, int[] candidates, int[] matched, int changedLength) {
            this.name = name;
            this.length = length;
            this.checksum = checksum;
            this.candidates = candidates;
            this.matched = matched;
            this.changedLength = changedLength;
        }

        boolean isChanged() {
            return changedLength >= 0;
        }
    }
}
