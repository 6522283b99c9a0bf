package org.elohim.client;

/** Who may receive a document, narrowest first (the node enforces it). */
public enum Reach {
    PRIVATE, FAMILY, COMMUNITY, COMMONS;

    org.elohim.api.v1.Reach toProto() {
        return switch (this) {
            case PRIVATE -> org.elohim.api.v1.Reach.REACH_PRIVATE;
            case FAMILY -> org.elohim.api.v1.Reach.REACH_FAMILY;
            case COMMUNITY -> org.elohim.api.v1.Reach.REACH_COMMUNITY;
            case COMMONS -> org.elohim.api.v1.Reach.REACH_COMMONS;
        };
    }

    /** Unspecified or unknown: the narrowest. */
    static Reach fromProto(org.elohim.api.v1.Reach r) {
        return switch (r) {
            case REACH_FAMILY -> FAMILY;
            case REACH_COMMUNITY -> COMMUNITY;
            case REACH_COMMONS -> COMMONS;
            default -> PRIVATE;
        };
    }
}
