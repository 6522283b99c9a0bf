package org.elohim.node.storage;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import org.elohim.node.reach.Reach;

/**
 * Child process of {@link KillNineDurabilityTest}: writes to the store as fast as it can with
 * many writes in flight, printing "ACK n" once write n's future completed (= acknowledged).
 */
public final class AckWriterMain {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        PrintStream out = new PrintStream(System.out, false);
        SqliteDocumentService s = SqliteDocumentService.open(dir);
        Semaphore inFlight = new Semaphore(32);
        out.println("READY");
        out.flush();
        for (long i = 0; ; i++) {
            inFlight.acquire();
            long n = i;
            s.edit("doc" + (n % 20), "alice", Reach.PRIVATE, d -> Docs.set(d, "k" + n, "v" + n), "writer")
                    .whenComplete((r, err) -> {
                        if (err == null) {
                            synchronized (out) {
                                out.println("ACK " + n);
                                out.flush();
                            }
                        }
                        inFlight.release();
                    });
        }
    }
}
