// Keep-alive: a socket that never answers pings is dropped; one that does stays.
// usage: node scenario-keepalive.mjs URL   (the server's keep-alive interval should be short)
import WebSocket from "ws";
import { encode } from "cbor-x";
import { ok, run, until } from "./lib.mjs";

const url = process.argv[2];
const join = id => encode({ type: "join", senderId: id, peerMetadata: { isEphemeral: true }, supportedProtocolVersions: ["1"] });

function open(id, options) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const s = { ws, closedAt: 0, pings: 0 };
    ws.on("ping", () => s.pings++);
    ws.on("close", () => { s.closedAt = Date.now(); });
    ws.on("error", () => {});
    ws.on("open", () => { ws.send(join(id)); resolve(s); });
    setTimeout(() => reject(new Error("connect timeout")), 5000);
  });
}

run(async () => {
  const t0 = Date.now();
  const silent = await open("silent", { autoPong: false });
  const live = await open("live", {});
  await until("the silent socket to be dropped", () => silent.closedAt > 0, 8000);
  const droppedAt = silent.closedAt;
  // the answering socket keeps being pinged, and stays, for several more intervals
  await until("more pings on the answering socket", () => live.pings >= 4 || live.closedAt, 8000);
  if (live.closedAt) throw new Error("the answering socket was dropped too");
  ok("dead-socket-dropped", { afterMs: droppedAt - t0, pingsSeenBySilent: silent.pings, pingsSeenByLive: live.pings });
  live.ws.close();
});
