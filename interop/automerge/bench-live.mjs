// Live editing: N editor clients each edit their own document; one watcher client watches all of them.
// Prints one JSON line with edit-to-visible latency percentiles (ms).
// usage: node bench-live.mjs URL N SECONDS INTERVAL_MS
import { traffic } from "./bench-traffic.mjs";
import { newRepo, findEventually, waitAllSynced, serverStorageId, until, sleep } from "./lib.mjs";

const [url, nArg, secondsArg, intervalArg] = process.argv.slice(2);
const n = Number(nArg), seconds = Number(secondsArg), interval = Number(intervalArg);

const editors = [];
for (let i = 0; i < n; i++) editors.push(newRepo(url));
const handles = editors.map((r, i) => r.create({ editor: i, seq: 0 }));
await until("peers", () => editors.every(r => serverStorageId(r)), 20000);
await Promise.all(handles.map((h, i) => waitAllSynced(editors[i], [h], 60000)));
const watcher = newRepo(url);
const watched = await Promise.all(handles.map(h => findEventually(watcher, h.url, 60000)));

const sentAt = handles.map(() => new Map());
const latencies = [];
watched.forEach((w, i) => {
  let seen = 0;
  w.on("change", ({ doc }) => {
    const now = performance.now();
    for (let s = seen + 1; s <= doc.seq; s++) {
      const t = sentAt[i].get(s);
      if (t !== undefined) latencies.push(now - t);
    }
    if (doc.seq > seen) seen = doc.seq;
  });
});

const end = performance.now() + seconds * 1000;
let edits = 0;
await Promise.all(handles.map(async (h, i) => {
  await sleep((interval * i) / n); // spread the editors over the interval
  let seq = 0;
  while (performance.now() < end) {
    seq++;
    sentAt[i].set(seq, performance.now());
    h.change(d => { d.seq = seq; });
    edits++;
    await sleep(interval);
  }
}));
await sleep(2000); // let the last edits arrive
latencies.sort((a, b) => a - b);
const pct = p => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN;
console.log("RESULT " + JSON.stringify({ editors: n, edits, observed: latencies.length,
  p50: pct(0.5), p99: pct(0.99), max: latencies[latencies.length - 1], bytesSent: traffic.sent, bytesReceived: traffic.received }));
await Promise.all([...editors, watcher].map(r => r.shutdown()));
process.exit(0);
