package org.elohim.p2p.host;

/** Whether peers can dial this host directly, as AutoNAT found out. */
public enum Reachability { UNKNOWN, PUBLIC, PRIVATE }
