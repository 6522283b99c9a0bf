// Phases across node restarts and client restarts.
//   write URL            -> creates a doc with content, waits until a second client sees it, prints "URL <url>"
//   read URL docUrl text -> a fresh client finds docUrl and checks its text
//   resume URL           -> a client with storage (persistent storageId) creates a doc, goes away; another client
//                           edits it; the first client restarts with the same storage and gets the edit
import { newRepo, findEventually, until, ok, run, MemoryStorage } from "./lib.mjs";

const [phase, url, docUrl, expected] = process.argv.slice(2);
run(async () => {
  if (phase === "write") {
    const a = newRepo(url);
    const h = a.create({ text: "survives restarts" });
    const b = newRepo(url);
    const seen = await findEventually(b, h.url);
    if (seen.doc().text !== "survives restarts") throw new Error("not synced");
    console.log("URL " + h.url);
    await a.shutdown();
    await b.shutdown();
  } else if (phase === "read") {
    const c = newRepo(url);
    const h = await findEventually(c, docUrl);
    if (h.doc().text !== expected) throw new Error("read " + JSON.stringify(h.doc()));
    ok("read-after-restart", { text: h.doc().text });
    await c.shutdown();
  } else if (phase === "resume") {
    const storage = new MemoryStorage();
    let a = newRepo(url, { storage, peerId: "resuming-client" });
    const storageId = await a.storageId();
    const h = a.create({ log: ["first"] });
    const other = newRepo(url);
    const ho = await findEventually(other, h.url);
    await a.shutdown();
    ho.change(d => { d.log.push("while-away"); });
    await until("other's change reached the server", async () => true);
    // restart: same storage, same storageId
    a = newRepo(url, { storage, peerId: "resuming-client" });
    if ((await a.storageId()) !== storageId) throw new Error("storageId changed");
    const h2 = await a.find(h.url);
    await until("the edit made while away", () => h2.doc().log.includes("while-away"), 10000);
    ok("client-restart-resumes", { log: h2.doc().log, storageId });
    await a.shutdown();
    await other.shutdown();
  } else {
    throw new Error("unknown phase " + phase);
  }
});
