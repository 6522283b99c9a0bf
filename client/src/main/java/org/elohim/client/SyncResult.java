package org.elohim.client;

/** What one {@link ElohimClient#sync} round did. */
public record SyncResult(int documentsReceived, int documentsSent, long deviceStreamSeq) {
}
