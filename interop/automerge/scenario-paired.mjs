// Paired-devices mode: A and B are devices of one owner (signed URLs), C a device of another owner.
// usage: node scenario-paired.mjs urlA urlB urlC
import { newRepo, findEventually, ok, run } from "./lib.mjs";

const [urlA, urlB, urlC] = process.argv.slice(2);
run(async () => {
  const a = newRepo(urlA);
  const b = newRepo(urlB);
  const c = newRepo(urlC);
  const h = a.create({ secret: "family recipe" });
  const hb = await findEventually(b, h.url);
  if (hb.doc().secret !== "family recipe") throw new Error("B read " + JSON.stringify(hb.doc()));
  ok("same-owner-device-finds-private-doc", { url: h.url });
  let denied = false;
  try {
    await c.find(h.url, { signal: AbortSignal.timeout(3000) });
  } catch (e) {
    denied = /unavailable/i.test(String(e && e.message));
    if (!denied) throw new Error("unexpected: " + e.message);
  }
  if (!denied) throw new Error("another owner's device read a private document");
  ok("other-owner-device-gets-unavailable");
  console.log("URL " + h.url);
  await a.shutdown();
  await b.shutdown();
  await c.shutdown();
});
