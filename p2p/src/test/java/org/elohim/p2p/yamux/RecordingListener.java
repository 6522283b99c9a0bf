package org.elohim.p2p.yamux;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/** Collects a session's outputs for assertions. */
final class RecordingListener implements YamuxSessionListener {
    final List<YamuxFrame> sent = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final List<ByteBuf> data = new ArrayList<>();
    Exception failure;

    @Override
    public void sendFrame(YamuxFrame frame) {
        sent.add(frame);
    }

    @Override
    public void streamOpened(int streamId) {
        events.add("opened " + streamId);
    }

    @Override
    public void streamData(int streamId, ByteBuf buf) {
        events.add("data " + streamId + " " + buf.readableBytes());
        data.add(buf);
    }

    @Override
    public void streamRemoteClosed(int streamId) {
        events.add("fin " + streamId);
    }

    @Override
    public void streamReset(int streamId) {
        events.add("rst " + streamId);
    }

    @Override
    public void streamWritable(int streamId) {
        events.add("writable " + streamId);
    }

    @Override
    public void remoteGoAway(int errorCode) {
        events.add("goaway " + errorCode);
    }

    @Override
    public void sessionFailed(Exception cause) {
        failure = cause;
        events.add("failed");
    }

    YamuxFrame last() {
        return sent.get(sent.size() - 1);
    }

    void clear() {
        sent.forEach(f -> {
            if (f instanceof YamuxFrame.Data d) {
                d.payload().release();
            }
        });
        sent.clear();
        events.clear();
        data.forEach(ByteBuf::release);
        data.clear();
    }
}
