// Two stock clients through the server: create/find, concurrent edits, ephemeral relay, unavailable.
// usage: node scenario-basic.mjs ws://127.0.0.1:PORT/automerge
import { generateAutomergeUrl } from "@automerge/automerge-repo";
import { newRepo, findEventually, until, ok, run, sleep } from "./lib.mjs";

const url = process.argv[2];
run(async () => {
  const a = newRepo(url);
  const b = newRepo(url);

  const ha = a.create({ text: "hello", items: [] });
  const hb = await findEventually(b, ha.url);
  if (hb.doc().text !== "hello") throw new Error("B read " + JSON.stringify(hb.doc()));
  ok("create-on-A-find-on-B", { url: ha.url });

  // concurrent edits on both sides, then both converge to the same document
  for (let i = 0; i < 20; i++) {
    ha.change(d => { d.items.push("a" + i); });
    hb.change(d => { d.items.push("b" + i); });
  }
  await until("convergence", () => ha.doc().items.length === 40 && hb.doc().items.length === 40
    && JSON.stringify(ha.doc()) === JSON.stringify(hb.doc()));
  ok("concurrent-edits-converge", { items: ha.doc().items.length });

  // ephemeral (presence) messages relay through the server
  const got = [];
  hb.on("ephemeral-message", m => got.push(m.message));
  for (let i = 0; i < 5 && got.length === 0; i++) {
    ha.broadcast({ cursor: i, user: "A" });
    await sleep(100);
  }
  await until("ephemeral relay", () => got.length > 0, 5000);
  if (got[0].user !== "A") throw new Error("ephemeral payload " + JSON.stringify(got[0]));
  ok("ephemeral-relays", { received: got.length });

  // a document nobody has is unavailable
  let unavailable = false;
  try {
    await b.find(generateAutomergeUrl(), { signal: AbortSignal.timeout(5000) });
  } catch (e) {
    unavailable = /unavailable/i.test(String(e && e.message));
    if (!unavailable) throw new Error("unexpected find failure: " + e.message);
  }
  if (!unavailable) throw new Error("find of an unknown document succeeded");
  ok("unknown-doc-unavailable");

  await a.shutdown();
  await b.shutdown();
});
