package io.graylane.agent.compare;

import io.graylane.core.log.Log;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * graylane.mirror.compare.report: a JSON-lines file, appended to; once it is past
 * graylane.mirror.compare.report-max-bytes it becomes {@code FILE.1} (replacing the last one) and a new file starts,
 * so the two together never hold much more than twice the limit. A file that cannot be written is reported once and
 * left alone; comparison goes on.
 */
final class ReportFile {

    private final File file;
    private final long maxBytes;
    private FileOutputStream out;
    private long size;
    private boolean broken;

    ReportFile(String path, long maxBytes) {
        this.file = new File(path);
        this.maxBytes = maxBytes;
    }

    synchronized void append(byte[] line) {
        if (broken) return;
        try {
            if (out == null) open();
            out.write(line);
            size += line.length;
            if (size >= maxBytes) rotate();
        } catch (IOException | RuntimeException e) {
            broken = true;
            close();
            Log.warn("graylane.mirror.compare.report: cannot write " + file + " (" + e + "); no more report lines are written");
        }
    }

    private void open() throws IOException {
        File parent = file.getAbsoluteFile().getParentFile();
        if (parent != null && !parent.isDirectory() && !parent.mkdirs() && !parent.isDirectory()) {
            throw new IOException("cannot create the directory " + parent);
        }
        out = new FileOutputStream(file, true);
        size = file.length();
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        File old = new File(file.getPath() + ".1");
        if (old.exists() && !old.delete()) throw new IOException("cannot replace " + old);
        if (!file.renameTo(old)) throw new IOException("cannot rename " + file + " to " + old);
        open();
    }

    synchronized void close() {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing more to write
        }
        out = null;
    }

    @Override
    public String toString() {
        return file.getPath();
    }
}
