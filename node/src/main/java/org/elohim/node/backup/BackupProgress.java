package org.elohim.node.backup;

/** Told as a backup or restore goes: which file, and bytes done of the total. */
@FunctionalInterface
public interface BackupProgress {
    BackupProgress NONE = (item, done, total) -> { };

    void update(String item, long doneBytes, long totalBytes);
}
