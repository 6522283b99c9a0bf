// Live editing with the load spread over several Node processes: PROCS editor processes (N editors in
// total, one Repo and one WebSocket each) and this process as the only watcher (one Repo that has
// found all N documents and does nothing else). Latency = editor's change() to the watcher's change
// event, on the shared wall clock (performance.timeOrigin + performance.now()). Also reports each
// process's CPU and the watcher's event-loop delay, to show whether the clients are the bottleneck.
// usage: node bench-live-multi.mjs URL N SECONDS INTERVAL_MS PROCS
import { fork } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { newRepo, findEventually, waitAllSynced, serverStorageId, until, sleep } from "./lib.mjs";

const clock = () => performance.timeOrigin + performance.now();

if (process.argv[2] === "editor") {
  const [, , , url, firstArg, countArg, nArg, secondsArg, intervalArg] = process.argv;
  const first = Number(firstArg), count = Number(countArg), n = Number(nArg);
  const seconds = Number(secondsArg), interval = Number(intervalArg);
  const repos = [];
  for (let i = 0; i < count; i++) repos.push(newRepo(url));
  const handles = repos.map((r, i) => r.create({ editor: first + i, seq: 0 }));
  await until("peers", () => repos.every(r => serverStorageId(r)), 30000);
  await Promise.all(handles.map((h, i) => waitAllSynced(repos[i], [h], 60000)));
  process.send({ urls: handles.map(h => h.url) });
  const startAt = await new Promise(r => process.once("message", m => r(m.startAt)));
  const cpu0 = process.cpuUsage();
  const sent = [];
  await sleep(Math.max(0, startAt - clock()));
  const end = startAt + seconds * 1000;
  await Promise.all(handles.map(async (h, k) => {
    const g = first + k;
    await sleep((interval * g) / n); // spread all editors (over all processes) over the interval
    let seq = 0;
    while (clock() < end) {
      seq++;
      sent.push([g, seq, clock()]);
      h.change(d => { d.seq = seq; });
      await sleep(interval);
    }
  }));
  await sleep(2000);
  const c = process.cpuUsage(cpu0);
  process.send({ sent, cpuS: (c.user + c.system) / 1e6 });
  await new Promise(r => process.once("message", r));
  await Promise.all(repos.map(r => r.shutdown()));
  process.exit(0);
}

const [url, nArg, secondsArg, intervalArg, procsArg] = process.argv.slice(2);
const n = Number(nArg), seconds = Number(secondsArg), interval = Number(intervalArg);
const procs = Math.max(1, Math.min(n, Number(procsArg)));
const children = [];
const urlParts = [];
for (let p = 0; p < procs; p++) {
  const first = Math.floor((n * p) / procs), count = Math.floor((n * (p + 1)) / procs) - first;
  const child = fork(new URL(import.meta.url).pathname,
    ["editor", url, String(first), String(count), String(n), String(seconds), String(interval)], { stdio: "inherit" });
  children.push(child);
  urlParts.push(new Promise((resolve, reject) => {
    child.once("message", m => resolve(m.urls));
    child.once("exit", code => reject(new Error("editor process exited " + code)));
  }));
}
const urls = (await Promise.all(urlParts)).flat();
const watcher = newRepo(url);
const watched = await Promise.all(urls.map(u => findEventually(watcher, u, 60000)));
const arrived = urls.map(() => new Map());
watched.forEach((w, i) => {
  let seen = 0;
  w.on("change", ({ doc }) => {
    const now = clock();
    for (let s = seen + 1; s <= doc.seq; s++) arrived[i].set(s, now);
    if (doc.seq > seen) seen = doc.seq;
  });
});
const results = children.map(c => new Promise(r => c.once("message", r)));
const lag = monitorEventLoopDelay({ resolution: 1 });
const cpu0 = process.cpuUsage();
const startAt = clock() + 500;
children.forEach(c => c.send({ startAt }));
await sleep(500);
lag.enable();
const done = await Promise.all(results);
lag.disable();
const wc = process.cpuUsage(cpu0);
const latencies = [];
let edits = 0;
for (const r of done) for (const [g, seq, t] of r.sent) {
  edits++;
  const a = arrived[g].get(seq);
  if (a !== undefined) latencies.push(a - t);
}
latencies.sort((a, b) => a - b);
const pct = p => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN;
console.log("RESULT " + JSON.stringify({ editors: n, procs, edits, observed: latencies.length,
  p50: pct(0.5), p99: pct(0.99), max: latencies[latencies.length - 1],
  editorCpuS: done.reduce((s, r) => s + r.cpuS, 0), watcherCpuS: (wc.user + wc.system) / 1e6,
  watcherLoopDelayP99: lag.percentile(99) / 1e6, watcherLoopDelayMax: lag.max / 1e6 }));
children.forEach(c => c.send({ exit: true }));
await Promise.all(children.map(c => new Promise(r => c.once("exit", r))));
await watcher.shutdown();
process.exit(0);
