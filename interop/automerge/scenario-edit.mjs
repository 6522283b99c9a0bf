// Finds a document by URL and sets a key in it, then waits until the server acknowledged (a second client sees it).
// usage: node scenario-edit.mjs URL docUrl key value [URL2]   (URL2: for the second client, e.g. another signed URL)
import { newRepo, findEventually, until, ok, run } from "./lib.mjs";

const [url, docUrl, key, value, url2] = process.argv.slice(2);
run(async () => {
  const a = newRepo(url);
  const h = await findEventually(a, docUrl);
  h.change(d => { d[key] = value; });
  const b = newRepo(url2 || url);
  const hb = await findEventually(b, docUrl);
  await until("the edit to reach another client", () => hb.doc()[key] === value);
  ok("edited", { doc: hb.doc() });
  await a.shutdown();
  await b.shutdown();
});
