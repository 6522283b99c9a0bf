package org.elohim.node.device;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.elohim.node.reach.FamilyMembers;
import org.elohim.node.storage.Database;

/**
 * The devices paired with this node (table {@code devices} in node.db). The family is the set of
 * owners with at least one registered, unrevoked device.
 *
 * <p>Every authenticated call looks its device up, so the table is mirrored in memory; all
 * changes go through this class (after their commit), which keeps the mirror exact.
 */
public final class DeviceRegistry implements FamilyMembers {
    private final Database database;
    private final Clock clock;
    private final Map<String, RegisteredDevice> byId = new ConcurrentHashMap<>();

    public DeviceRegistry(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
        database.migrate(DeviceTables.COMPONENT, DeviceTables.MIGRATIONS);
        for (RegisteredDevice d : database.read(DeviceTables::all)) byId.put(d.deviceId(), d);
    }

    public DeviceRegistry(Database database) {
        this(database, Clock.systemUTC());
    }

    Database database() {
        return database;
    }

    Clock clock() {
        return clock;
    }

    public Optional<RegisteredDevice> find(String deviceId) {
        return Optional.ofNullable(byId.get(deviceId));
    }

    /** All devices, revoked ones included, oldest first. */
    public List<RegisteredDevice> list() {
        return database.read(DeviceTables::all);
    }

    @Override
    public boolean isMember(String owner) {
        if (owner == null) return false;
        for (RegisteredDevice d : byId.values()) {
            if (!d.revoked() && d.owner().equals(owner)) return true;
        }
        return false;
    }

    /** Revokes a device: its signatures stop being accepted at once. Durable when the future completes. */
    public CompletableFuture<Boolean> revoke(String deviceId) {
        return database.write(c -> DeviceTables.revoke(c, deviceId)).thenApply(changed -> {
            byId.computeIfPresent(deviceId, (id, d) -> new RegisteredDevice(d.deviceId(), d.owner(), d.name(),
                    d.publicKey(), d.pairedAtMillis(), true));
            return changed;
        });
    }

    /** Called after the transaction that inserted {@code d} committed. */
    void registered(RegisteredDevice d) {
        byId.put(d.deviceId(), d);
    }
}
