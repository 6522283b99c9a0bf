package org.elohim.node.automergerepo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A PeerLink that keeps what the hub sent, for tests. */
final class RecordingLink implements PeerLink {
    final Deque<RepoMessage> inbox = new ArrayDeque<>();
    final List<RepoMessage> all = new ArrayList<>();
    Integer closedWith;
    String closeReason;

    @Override
    public void send(RepoMessage message) {
        if (closedWith != null) return;
        inbox.add(message);
        all.add(message);
    }

    @Override
    public void close(int code, String reason) {
        if (closedWith == null) {
            closedWith = code;
            closeReason = reason;
        }
    }

    <T extends RepoMessage> List<T> sent(Class<T> type) {
        return all.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
