// One large document created on client A and found on client B through the server:
//   text N      a text field of N MB (incompressible letters)
//   changes N   a document made of N changes (one small edit each)
// usage: node scenario-large.mjs ws://127.0.0.1:PORT/automerge text 5 | changes 20000
import * as Automerge from "@automerge/automerge";
import { newRepo, findEventually, ok, waitSynced } from "./lib.mjs";

const [url, kind, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);

function letters(n) {
  let x = 12345;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = String.fromCharCode(97 + (x % 26));
  }
  return out.join("");
}

// Like lib.mjs run(), with a longer bound: a 5 MB document takes a while on a loaded machine.
function run(main) {
  const killer = setTimeout(() => { console.error("FAIL scenario timed out"); process.exit(3); }, 240000);
  main().then(() => { clearTimeout(killer); console.log("DONE"); process.exit(0); },
    e => { console.error("FAIL " + (e && e.stack || e)); process.exit(1); });
}

run(async () => {
  const a = newRepo(url);
  const b = newRepo(url);
  const t0 = Date.now();
  let handle;
  let check;
  if (kind === "text") {
    const text = letters(size * 1024 * 1024);
    handle = a.create({ text });
    check = doc => doc.text.length === text.length && doc.text.slice(-64) === text.slice(-64);
  } else if (kind === "changes") {
    handle = a.create({ n: -1 });
    for (let i = 0; i < size; i++) handle.change(d => { d.n = i; });
    check = doc => doc.n === size - 1 && Automerge.getAllChanges(doc).length === size + 1;
  } else {
    throw new Error("kind must be text or changes");
  }
  const created = Date.now() - t0;
  await waitSynced(a, handle, 200000);
  const uploaded = Date.now() - t0;
  const found = await findEventually(b, handle.url, 200000);
  if (!check(found.doc())) throw new Error("the document found on B differs");
  ok(kind, { size, url: handle.url, createdMs: created, uploadedMs: uploaded, totalMs: Date.now() - t0,
    heads: Automerge.getHeads(found.doc()) });
  await a.shutdown();
  await b.shutdown();
});
