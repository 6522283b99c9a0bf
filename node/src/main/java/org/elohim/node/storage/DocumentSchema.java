package org.elohim.node.storage;

import java.util.List;

/**
 * Versioned schema of the document store (component "documents"). Evolves the spec's
 * {@code documents} / {@code sync_events}: a document is a snapshot plus incremental change chunks
 * (a write appends a chunk the size of the change; compaction folds chunks into a new snapshot).
 * Heads are stored as the sorted 32-byte hashes concatenated. {@code documents.last_seq} is the
 * seq of the document's latest event, so "events since" can be collapsed per document by index.
 * Since v2 the change graph (table {@code changes}) is the record of a document; a snapshot only
 * speeds up materializing it. Append new versions at the end; never edit a released one.
 */
final class DocumentSchema {
    static final String COMPONENT = "documents";

    static final List<String> MIGRATIONS = List.of(
            // v1
            "CREATE TABLE documents("
                    + " id TEXT PRIMARY KEY,"
                    + " reach TEXT NOT NULL DEFAULT 'private',"
                    + " owner TEXT NOT NULL,"
                    + " updated_at INTEGER NOT NULL,"
                    + " synced_at INTEGER,"
                    + " heads BLOB NOT NULL,"
                    + " size INTEGER NOT NULL,"
                    + " chunk_count INTEGER NOT NULL DEFAULT 0,"
                    + " chunk_bytes INTEGER NOT NULL DEFAULT 0,"
                    + " last_seq INTEGER NOT NULL DEFAULT 0);"
                    // The snapshot lives apart from the row that every write updates: SQLite
                    // rewrites a whole record on UPDATE, blob included.
                    + "CREATE TABLE document_snapshots("
                    + " doc_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,"
                    + " data BLOB NOT NULL);"
                    + "CREATE INDEX idx_documents_last_seq ON documents(last_seq);"
                    + "CREATE INDEX idx_documents_reach ON documents(reach, id);"
                    + "CREATE INDEX idx_documents_owner ON documents(owner, id);"
                    + "CREATE TABLE document_chunks("
                    + " doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
                    + " n INTEGER NOT NULL,"
                    + " data BLOB NOT NULL,"
                    + " PRIMARY KEY(doc_id, n)) WITHOUT ROWID;"
                    + "CREATE TABLE sync_events("
                    + " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                    + " doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
                    + " heads BLOB NOT NULL,"
                    + " kind TEXT NOT NULL,"
                    + " timestamp INTEGER NOT NULL);"
                    + "CREATE INDEX idx_events_doc ON sync_events(doc_id, seq);"
                    + "CREATE INDEX idx_events_timestamp ON sync_events(timestamp);"
                    + "CREATE TABLE stream_meta("
                    + " id INTEGER PRIMARY KEY CHECK (id = 1),"
                    + " epoch INTEGER NOT NULL,"
                    + " created_at INTEGER NOT NULL,"
                    + " instance_token INTEGER NOT NULL DEFAULT 0,"
                    + " restored INTEGER NOT NULL DEFAULT 0)",
            // v2: the change graph. Every applied change chunk by hash, with its deps, numbered in
            // application order per document (n); changes whose deps are missing wait in outliers.
            // A snapshot covers the changes n <= upto. Documents stored before v2 have indexed=0
            // until ChangeIndexBackfill has split them into changes (document_chunks then empty).
            "CREATE TABLE changes("
                    + " doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
                    + " n INTEGER NOT NULL,"
                    + " hash BLOB NOT NULL,"
                    + " deps BLOB NOT NULL,"
                    + " data BLOB NOT NULL,"
                    + " PRIMARY KEY(doc_id, n));"
                    + "CREATE UNIQUE INDEX idx_changes_hash ON changes(doc_id, hash);"
                    + "CREATE TABLE outliers("
                    + " doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
                    + " hash BLOB NOT NULL,"
                    + " deps BLOB NOT NULL,"
                    + " data BLOB NOT NULL,"
                    + " received_at INTEGER NOT NULL,"
                    + " PRIMARY KEY(doc_id, hash));"
                    + "ALTER TABLE document_snapshots ADD COLUMN upto INTEGER NOT NULL DEFAULT 0;"
                    + "ALTER TABLE documents ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0");

    private DocumentSchema() {
    }
}
