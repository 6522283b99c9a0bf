// N documents created on each side, all found on the other.
// usage: node scenario-bulk.mjs ws://127.0.0.1:PORT/automerge N
import { newRepo, findEventually, ok, run, serverStorageId, waitAllSynced, until } from "./lib.mjs";

const url = process.argv[2];
const n = Number(process.argv[3] || 1000);
run(async () => {
  const a = newRepo(url);
  const b = newRepo(url);
  for (const [from, to, label] of [[a, b, "A-to-B"], [b, a, "B-to-A"]]) {
    const t0 = Date.now();
    const handles = [];
    for (let i = 0; i < n; i++) handles.push(from.create({ n: i, label }));
    // a server that announces a storageId acknowledges heads; wait for that before asking the other side
    await until("peer", () => Object.keys(from.peerMetadataByPeerId || {}).length > 0, 10000);
    if (serverStorageId(from)) await waitAllSynced(from, handles, 60000);
    const synced = Date.now() - t0;
    const found = await Promise.all(handles.map(h => findEventually(to, h.url, 60000)));
    for (let i = 0; i < n; i++) {
      if (found[i].doc().n !== i || found[i].doc().label !== label) throw new Error("doc " + i + " differs");
    }
    ok(label, { docs: n, ms: Date.now() - t0, syncedMs: synced });
  }
  await a.shutdown();
  await b.shutdown();
});
