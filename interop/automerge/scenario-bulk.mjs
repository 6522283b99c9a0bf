// N documents created on each side, all found on the other.
// usage: node scenario-bulk.mjs ws://127.0.0.1:PORT/automerge N
import { newRepo, findEventually, ok, run } from "./lib.mjs";

const url = process.argv[2];
const n = Number(process.argv[3] || 1000);
run(async () => {
  const a = newRepo(url);
  const b = newRepo(url);
  for (const [from, to, label] of [[a, b, "A-to-B"], [b, a, "B-to-A"]]) {
    const t0 = Date.now();
    const handles = [];
    for (let i = 0; i < n; i++) handles.push(from.create({ n: i, label }));
    const found = await Promise.all(handles.map(h => findEventually(to, h.url, 60000)));
    for (let i = 0; i < n; i++) {
      if (found[i].doc().n !== i || found[i].doc().label !== label) throw new Error("doc " + i + " differs");
    }
    ok(label, { docs: n, ms: Date.now() - t0 });
  }
  await a.shutdown();
  await b.shutdown();
});
