package org.elohim.node.runtime;

/** The version this build reports (--version, /health, GetStatus). */
public final class NodeVersion {
    public static final String VERSION = "0.1.0-SNAPSHOT";

    private NodeVersion() {
    }

    public static String get() {
        String v = NodeVersion.class.getPackage().getImplementationVersion();
        return v == null ? VERSION : v;
    }
}
