// Helpers shared by the interop scenarios: stock automerge-repo clients against a sync server URL.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

export function newRepo(url, { storage, peerId } = {}) {
  const network = [new WebSocketClientAdapter(url, 500)];
  return new Repo({ network, storage, peerId, sharePolicy: async () => true });
}

/** A storage adapter kept in this process, so a "restarted" client keeps its documents and storageId. */
export class MemoryStorage {
  constructor() { this.data = new Map(); }
  key(k) { return k.join("\u0000"); }
  async load(k) { return this.data.get(this.key(k)); }
  async save(k, bytes) { this.data.set(this.key(k), bytes); }
  async remove(k) { this.data.delete(this.key(k)); }
  async loadRange(prefix) {
    const p = this.key(prefix);
    const out = [];
    for (const [k, v] of this.data) if (k === p || k.startsWith(p + "\u0000")) out.push({ key: k.split("\u0000"), data: v });
    return out;
  }
  async removeRange(prefix) {
    const p = this.key(prefix);
    for (const k of [...this.data.keys()]) if (k === p || k.startsWith(p + "\u0000")) this.data.delete(k);
  }
}

export const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Polls until fn() is truthy; fails after timeoutMs. */
export async function until(what, fn, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await sleep(20);
  }
}

/** find() that retries while the server does not have the document yet (it is still being synced in). */
export async function findEventually(repo, url, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      return await repo.find(url, { signal: AbortSignal.timeout(Math.max(100, end - Date.now())) });
    } catch (e) {
      last = e;
      await sleep(50);
    }
  }
  throw new Error("could not find " + url + ": " + (last && last.message));
}

/** The storageId the server announced, if any (the stock server without storage has none). */
export function serverStorageId(repo) {
  for (const m of Object.values(repo.peerMetadataByPeerId || {})) if (m && m.storageId) return m.storageId;
  return undefined;
}

/** Waits until the server has acknowledged the handle's current heads (known through its sync messages). */
export async function waitSynced(repo, handle, timeoutMs = 30000) {
  await until("server storage id", () => serverStorageId(repo), timeoutMs);
  const sid = serverStorageId(repo);
  const same = (x, y) => x && y && JSON.stringify([...x].sort()) === JSON.stringify([...y].sort());
  await until("server to acknowledge " + handle.url, () => {
    const info = handle.getSyncInfo(sid);
    return info && same(info.lastHeads, handle.heads());
  }, timeoutMs);
}

/** waitSynced for many handles with one polling loop (a loop per handle would burn the CPU). */
export async function waitAllSynced(repo, handles, timeoutMs = 60000) {
  await until("server storage id", () => serverStorageId(repo), timeoutMs);
  const sid = serverStorageId(repo);
  const same = (x, y) => x && y && JSON.stringify([...x].sort()) === JSON.stringify([...y].sort());
  let pending = handles;
  await until("server to acknowledge " + handles.length + " documents", () => {
    pending = pending.filter(h => {
      const info = h.getSyncInfo(sid);
      return !(info && same(info.lastHeads, h.heads()));
    });
    return pending.length === 0;
  }, timeoutMs);
}

export function ok(name, details = {}) {
  console.log("OK " + name + " " + JSON.stringify(details));
}

export function run(main) {
  const killer = setTimeout(() => { console.error("FAIL scenario timed out"); process.exit(3); }, 120000);
  main().then(() => { clearTimeout(killer); console.log("DONE"); process.exit(0); },
    e => { console.error("FAIL " + (e && e.stack || e)); process.exit(1); });
}
