package org.elohim.sync;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in order, on a shared pool: each session gets its own serial
 * executor without a thread of its own. A task never runs on the submitting thread, so a
 * transport's network thread or a storage completion thread only enqueues.
 */
public final class SerialExecutor implements Executor {
    private final Executor pool;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    public SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.addLast(task);
            if (running) return;
            running = true;
        }
        pool.execute(this::drain);
    }

    private void drain() {
        // A bounded slice, then yield the pool thread to other sessions.
        for (int i = 0; i < 64; i++) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.pollFirst();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            next.run();
        }
        pool.execute(this::drain);
    }
}
