package org.elohim.node.blobs;

import java.util.List;

/**
 * Versioned schema of the blob store's metadata (component "blobs") in node.db. The bytes live in
 * files ({@link BlobFiles}); a row in {@code blobs} is written only after the blob's manifest is
 * durable, so a row always names a complete blob. Append new versions; never edit a released one.
 */
final class BlobSchema {
    static final String COMPONENT = "blobs";

    static final List<String> MIGRATIONS = List.of(
            // v1
            "CREATE TABLE blobs("
                    + " id TEXT PRIMARY KEY,"
                    + " size INTEGER NOT NULL,"
                    + " chunk_count INTEGER NOT NULL,"
                    + " created_at INTEGER NOT NULL);"
                    // Who uploaded it standalone, with the reach and content type they declared.
                    + "CREATE TABLE blob_owners("
                    + " blob_id TEXT NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,"
                    + " owner TEXT NOT NULL,"
                    + " reach TEXT NOT NULL,"
                    + " content_type TEXT NOT NULL,"
                    + " created_at INTEGER NOT NULL,"
                    + " PRIMARY KEY(blob_id, owner)) WITHOUT ROWID;"
                    + "CREATE INDEX idx_blob_owners_owner ON blob_owners(owner, blob_id);"
                    // Documents that reference a blob (BlobReference maps), kept by the indexer.
                    // No foreign key: a document may name a blob before its bytes arrive.
                    + "CREATE TABLE blob_refs("
                    + " doc_id TEXT NOT NULL,"
                    + " blob_id TEXT NOT NULL,"
                    + " content_type TEXT NOT NULL,"
                    + " PRIMARY KEY(doc_id, blob_id)) WITHOUT ROWID;"
                    + "CREATE INDEX idx_blob_refs_blob ON blob_refs(blob_id, doc_id);"
                    // Resumable uploads: which chunks an owner has already delivered for a blob id.
                    + "CREATE TABLE blob_uploads("
                    + " owner TEXT NOT NULL,"
                    + " blob_id TEXT NOT NULL,"
                    + " size INTEGER NOT NULL,"
                    + " updated_at INTEGER NOT NULL,"
                    + " PRIMARY KEY(owner, blob_id)) WITHOUT ROWID;"
                    + "CREATE TABLE blob_upload_chunks("
                    + " owner TEXT NOT NULL,"
                    + " blob_id TEXT NOT NULL,"
                    + " idx INTEGER NOT NULL,"
                    + " hash BLOB NOT NULL,"
                    + " PRIMARY KEY(owner, blob_id, idx)) WITHOUT ROWID;"
                    // How far the reference indexer has read the document stream.
                    + "CREATE TABLE blob_ref_cursor("
                    + " id INTEGER PRIMARY KEY CHECK (id = 1),"
                    + " epoch INTEGER NOT NULL,"
                    + " seq INTEGER NOT NULL)");

    private BlobSchema() {
    }
}
