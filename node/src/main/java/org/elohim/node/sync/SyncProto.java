package org.elohim.node.sync;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Reach;
import org.elohim.api.v1.StreamPosition;

/** Conversions between the sync protocol's protobuf types and the node's domain types. */
public final class SyncProto {
    private SyncProto() {
    }

    public static StreamPosition toProto(org.elohim.node.docs.StreamPosition p) {
        return StreamPosition.newBuilder().setEpoch(p.epoch()).setSeq(p.seq()).build();
    }

    public static org.elohim.node.docs.StreamPosition fromProto(StreamPosition p) {
        return new org.elohim.node.docs.StreamPosition(p.getEpoch(), p.getSeq());
    }

    public static EventKind toProto(org.elohim.node.docs.EventKind k) {
        switch (k) {
            case LOCAL: return EventKind.EVENT_KIND_LOCAL;
            case NEW: return EventKind.EVENT_KIND_NEW;
            case BACKFILL: return EventKind.EVENT_KIND_BACKFILL;
            default: return EventKind.EVENT_KIND_OUTLIER;
        }
    }

    public static org.elohim.node.docs.EventKind fromProto(EventKind k) {
        switch (k) {
            case EVENT_KIND_LOCAL: return org.elohim.node.docs.EventKind.LOCAL;
            case EVENT_KIND_NEW: return org.elohim.node.docs.EventKind.NEW;
            case EVENT_KIND_BACKFILL: return org.elohim.node.docs.EventKind.BACKFILL;
            default: return org.elohim.node.docs.EventKind.OUTLIER;
        }
    }

    public static Reach toProto(org.elohim.node.reach.Reach r) {
        switch (r) {
            case FAMILY: return Reach.REACH_FAMILY;
            case COMMUNITY: return Reach.REACH_COMMUNITY;
            case COMMONS: return Reach.REACH_COMMONS;
            default: return Reach.REACH_PRIVATE;
        }
    }

    /** Unknown or unspecified reach is the narrowest (DESIGN §6). */
    public static org.elohim.node.reach.Reach fromProto(Reach r) {
        switch (r) {
            case REACH_FAMILY: return org.elohim.node.reach.Reach.FAMILY;
            case REACH_COMMUNITY: return org.elohim.node.reach.Reach.COMMUNITY;
            case REACH_COMMONS: return org.elohim.node.reach.Reach.COMMONS;
            default: return org.elohim.node.reach.Reach.PRIVATE;
        }
    }

    public static List<ByteString> toProto(List<byte[]> hashes) {
        List<ByteString> out = new ArrayList<>(hashes.size());
        for (byte[] h : hashes) out.add(ByteString.copyFrom(h));
        return out;
    }

    /** Raw hashes; null if any is not exactly 32 bytes (must never reach Automerge). */
    public static List<byte[]> hashesOrNull(List<ByteString> hashes) {
        List<byte[]> out = new ArrayList<>(hashes.size());
        for (ByteString b : hashes) {
            if (b.size() != 32) return null;
            out.add(b.toByteArray());
        }
        return out;
    }
}
