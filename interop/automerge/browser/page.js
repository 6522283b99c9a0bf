// Bundled for the browser test: a stock automerge-repo client running in Chromium.
import "@automerge/automerge"; // the base64 build: initializes the wasm for the repo
import { Repo } from "@automerge/automerge-repo";
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function until(what, fn, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await sleep(25);
  }
}

let repo;
const handles = {};

window.elohim = {
  connect(url) {
    repo = new Repo({ network: [new BrowserWebSocketClientAdapter(url, 500)], sharePolicy: async () => true });
    return true;
  },
  create(content) {
    const h = repo.create(content);
    handles[h.url] = h;
    return h.url;
  },
  async find(url) {
    const end = Date.now() + 15000;
    for (;;) {
      try {
        const h = await repo.find(url, { signal: AbortSignal.timeout(3000) });
        handles[url] = h;
        return h.doc();
      } catch (e) {
        if (Date.now() > end) throw e;
        await sleep(100);
      }
    }
  },
  set(url, key, value) {
    handles[url].change(d => { d[key] = value; });
    return true;
  },
  async waitFor(url, key, value) {
    await until(key + "=" + value, () => handles[url].doc()[key] === value);
    return handles[url].doc();
  },
};
window.elohimReady = true;
