package org.elohim.node.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import org.elohim.node.blobs.BlobStore;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.device.DeviceAuthenticator;
import org.elohim.node.device.DeviceRegistry;
import org.elohim.node.device.PairingTokens;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.storage.Database;
import org.elohim.node.storage.SqliteDocumentService;
import org.elohim.p2p.peer.IdentityKey;

/**
 * The node's state on disk, opened: identity key, SQLite database, documents, devices, reach.
 * Used by the running node and, when no node runs, directly by CLI commands ({@code doc}, {@code pair}).
 * Callers hold the data-dir lock while it is open.
 */
public final class NodeStorage implements AutoCloseable {
    private final IdentityKey identity;
    private final Database database;
    private final SqliteDocumentService documents;
    private final DeviceRegistry devices;
    private final PairingTokens pairing;
    private final DeviceAuthenticator authenticator;
    private final ReachEnforcer reach;
    private final BlobStore blobs;

    private NodeStorage(IdentityKey identity, Database database, SqliteDocumentService documents,
                        DeviceRegistry devices, BlobStore blobs) {
        this.blobs = blobs;
        this.identity = identity;
        this.database = database;
        this.documents = documents;
        this.devices = devices;
        this.pairing = new PairingTokens(devices);
        this.authenticator = new DeviceAuthenticator(devices);
        this.reach = new ReachEnforcer(devices);
    }

    /** Opens (creating what is missing) the node's files under {@code config.dataDir()}. */
    public static NodeStorage open(NodeConfig config, MeterRegistry registry) {
        NodeFiles files = new NodeFiles(config.dataDir());
        IdentityKey identity;
        try {
            Files.createDirectories(config.dataDir());
            identity = IdentityKey.loadOrCreate(files.identityKey());
        } catch (IOException | RuntimeException e) {
            throw new NodeStartException("cannot load or create " + files.identityKey() + ": " + e.getMessage(), e);
        }
        Database db = Database.open(config.dataDir(), 4, registry);
        try {
            SqliteDocumentService docs = SqliteDocumentService.open(db,
                    SqliteDocumentService.Options.defaults().withCacheCapacity(config.cacheDocuments())
                            .withMaterializeBudget(config.materializeBudgetMb() * 1024L * 1024L), registry);
            try {
                BlobStore blobs = BlobStore.open(config.dataDir(), db, new BlobStore.Options(config.blobQuotaBytesPerOwner(),
                        java.time.Duration.ofHours(config.blobGcGraceHours())), java.time.Clock.systemUTC());
                return new NodeStorage(identity, db, docs, new DeviceRegistry(db), blobs);
            } catch (RuntimeException e) {
                docs.close();
                throw e;
            }
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** The node id: the libp2p peer id of node.key (base58). */
    public String nodeId() {
        return identity.peerId().toBase58();
    }

    public IdentityKey identity() {
        return identity;
    }

    public Database database() {
        return database;
    }

    public SqliteDocumentService documents() {
        return documents;
    }

    public DeviceRegistry devices() {
        return devices;
    }

    public PairingTokens pairing() {
        return pairing;
    }

    public DeviceAuthenticator authenticator() {
        return authenticator;
    }

    /** The blob store (no reach: see {@code BlobAccess}). */
    public BlobStore blobs() {
        return blobs;
    }

    public ReachEnforcer reach() {
        return reach;
    }

    /** Documents first (flushes its work), then the database (checkpoints the WAL). */
    @Override
    public void close() {
        try {
            documents.close();
        } finally {
            database.close();
        }
    }
}
