package org.elohim.node.grpc;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.elohim.node.docs.StreamPosition;
import org.elohim.node.reach.Reach;

/** Between the node's records and the device API's protobuf messages. */
final class ProtoConversions {
    static final int HASH_BYTES = 32;

    private ProtoConversions() {
    }

    static org.elohim.api.v1.Reach toProto(Reach r) {
        if (r == null) return org.elohim.api.v1.Reach.REACH_PRIVATE;
        return switch (r) {
            case PRIVATE -> org.elohim.api.v1.Reach.REACH_PRIVATE;
            case FAMILY -> org.elohim.api.v1.Reach.REACH_FAMILY;
            case COMMUNITY -> org.elohim.api.v1.Reach.REACH_COMMUNITY;
            case COMMONS -> org.elohim.api.v1.Reach.REACH_COMMONS;
        };
    }

    /** Unspecified or unknown values are the narrowest reach. */
    static Reach fromProto(org.elohim.api.v1.Reach r) {
        return switch (r) {
            case REACH_FAMILY -> Reach.FAMILY;
            case REACH_COMMUNITY -> Reach.COMMUNITY;
            case REACH_COMMONS -> Reach.COMMONS;
            default -> Reach.PRIVATE;
        };
    }

    static org.elohim.api.v1.StreamPosition toProto(StreamPosition p) {
        return org.elohim.api.v1.StreamPosition.newBuilder().setEpoch(p.epoch()).setSeq(p.seq()).build();
    }

    static List<ByteString> toProto(List<byte[]> hashes) {
        List<ByteString> out = new ArrayList<>(hashes.size());
        for (byte[] h : hashes) out.add(ByteString.copyFrom(h));
        return out;
    }

    /** Validates every hash is 32 bytes BEFORE anything reaches Automerge (a wrong length aborts the JVM). */
    static List<byte[]> hashes(List<ByteString> wire) {
        if (wire.size() > 1024) throw GrpcErrors.invalid("too many heads: " + wire.size());
        List<byte[]> out = new ArrayList<>(wire.size());
        for (ByteString h : wire) {
            if (h.size() != HASH_BYTES) {
                throw GrpcErrors.invalid("change hash must be " + HASH_BYTES + " bytes, got " + h.size());
            }
            out.add(h.toByteArray());
        }
        return out;
    }

    static String docId(String id) {
        if (id == null || id.isEmpty()) throw GrpcErrors.invalid("doc_id is required");
        if (id.length() > 256) throw GrpcErrors.invalid("doc_id longer than 256 characters");
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) throw GrpcErrors.invalid("doc_id contains control characters");
        }
        return id;
    }
}
