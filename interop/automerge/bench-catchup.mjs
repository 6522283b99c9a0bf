// Catch-up: a client with TOTAL documents goes offline, CHANGED of them are edited elsewhere, the client
// comes back (same storage, same storageId) and converges. Prints time and bytes of the catch-up.
// usage: node bench-catchup.mjs URL TOTAL CHANGED
import { traffic, resetTraffic } from "./bench-traffic.mjs";
import { newRepo, findEventually, waitSynced, waitAllSynced, until, MemoryStorage } from "./lib.mjs";

const [url, totalArg, changedArg] = process.argv.slice(2);
const total = Number(totalArg), changed = Number(changedArg);

const storage = new MemoryStorage();
let c = newRepo(url, { storage, peerId: "catchup-client" });
const handles = [];
for (let i = 0; i < total; i++) handles.push(c.create({ i, value: "original" }));
await waitAllSynced(c, handles, 600000);
const urls = handles.map(h => h.url);
await c.shutdown();

const d = newRepo(url);
for (let i = 0; i < changed; i++) {
  const h = await findEventually(d, urls[i], 30000);
  h.change(doc => { doc.value = "changed"; });
  await waitSynced(d, h, 30000);
}
await d.shutdown();

resetTraffic();
const t0 = performance.now();
c = newRepo(url, { storage, peerId: "catchup-client" });
const back = await Promise.all(urls.map(u => c.find(u)));
await until("changed documents", () => back.slice(0, changed).every(h => h.doc().value === "changed"), 120000);
const ms = performance.now() - t0;
// then let the reconnect's remaining traffic finish (quiet for 500 ms) to count all of its bytes
let last = -1, quietSince = performance.now();
await until("traffic to settle", () => {
  const now = traffic.sent + traffic.received;
  if (now !== last) { last = now; quietSince = performance.now(); }
  return performance.now() - quietSince > 500;
}, 60000);
console.log("RESULT " + JSON.stringify({ total, changed, ms, bytesSent: traffic.sent, bytesReceived: traffic.received,
  messages: traffic.messagesSent + traffic.messagesReceived }));
await c.shutdown();
process.exit(0);
