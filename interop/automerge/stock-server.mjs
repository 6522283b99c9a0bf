// The stock automerge-repo sync server (as automerge-repo-sync-server runs it), for side-by-side runs.
// usage: node stock-server.mjs [port] [dataDir]   prints "PORT <n>"
import { WebSocketServer } from "ws";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";

const port = Number(process.argv[2] || 0);
const dataDir = process.argv[3];
let storage;
if (dataDir) {
  const { NodeFSStorageAdapter } = await import("@automerge/automerge-repo-storage-nodefs");
  storage = new NodeFSStorageAdapter(dataDir);
}
const wss = new WebSocketServer({ port, host: "127.0.0.1" });
const repo = new Repo({ network: [new NodeWSServerAdapter(wss)], storage, peerId: "stock-sync-server", sharePolicy: async () => false });
wss.on("listening", () => console.log("PORT " + wss.address().port));
process.on("SIGTERM", async () => { await repo.shutdown(); wss.close(); process.exit(0); });
