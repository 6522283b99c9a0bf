// A stock automerge-repo client in headless Chromium and one in Node, syncing through the server.
// usage: node browser-test.mjs ws://127.0.0.1:PORT/automerge [chromiumPath]
import http from "node:http";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { newRepo, findEventually, until, ok, run } from "./lib.mjs";

const url = process.argv[2];
const executablePath = process.argv[3] || "/usr/bin/chromium";

run(async () => {
  const bundle = await build({
    entryPoints: [new URL("./browser/page.js", import.meta.url).pathname],
    bundle: true, write: false, format: "esm", platform: "browser", target: "es2022",
    // the base64 build embeds the wasm, so the page needs no wasm loader
    plugins: [{
      name: "automerge-base64",
      setup(b) {
        const base64 = new URL("./node_modules/@automerge/automerge/dist/mjs/entrypoints/fullfat_base64.js", import.meta.url).pathname;
        b.onResolve({ filter: /^@automerge\/automerge$/ }, () => ({ path: base64 }));
      },
    }],
    logLevel: "error",
  });
  const js = bundle.outputFiles[0].text;
  const server = http.createServer((req, res) => {
    if (req.url === "/page.js") { res.writeHead(200, { "content-type": "text/javascript" }); res.end(js); return; }
    res.writeHead(200, { "content-type": "text/html" });
    res.end('<!doctype html><html><body><script type="module" src="/page.js"></script></body></html>');
  });
  await new Promise(r => server.listen(0, "127.0.0.1", r));
  const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", e => errors.push(String(e)));
    await page.goto("http://127.0.0.1:" + server.address().port + "/");
    await page.waitForFunction(() => window.elohimReady === true, null, { timeout: 15000 })
      .catch(e => { throw new Error("page did not load: " + errors.join("; ") + " " + e.message); });
    await page.evaluate(u => window.elohim.connect(u), url);

    // browser creates, Node finds and edits, browser sees the edit
    const docUrl = await page.evaluate(() => window.elohim.create({ from: "browser" }));
    const node = newRepo(url);
    const h = await findEventually(node, docUrl, 15000);
    if (h.doc().from !== "browser") throw new Error("node read " + JSON.stringify(h.doc()));
    h.change(d => { d.reply = "from-node"; });
    const seen = await page.evaluate(u => window.elohim.waitFor(u, "reply", "from-node"), docUrl);
    ok("browser-to-node-and-back", { doc: seen });

    // Node creates, browser finds and edits, Node sees the edit
    const h2 = node.create({ from: "node" });
    const inBrowser = await page.evaluate(u => window.elohim.find(u), h2.url);
    if (inBrowser.from !== "node") throw new Error("browser read " + JSON.stringify(inBrowser));
    await page.evaluate(u => window.elohim.set(u, "reply", "from-browser"), h2.url);
    await until("browser edit in node", () => h2.doc().reply === "from-browser", 15000);
    ok("node-to-browser-and-back");
    if (errors.length) throw new Error("page errors: " + errors.join("; "));
    await node.shutdown();
  } finally {
    await browser.close();
    server.close();
  }
});
