// Hand-made frames with ws + cbor-x: every bad input gets a clear answer and only that socket closes;
// the server's own frames must decode in cbor-x.
// usage: node scenario-bad-input.mjs ws://127.0.0.1:PORT/automerge MAX_FRAME_BYTES
import WebSocket from "ws";
import { encode, decode } from "cbor-x";
import { ok, run } from "./lib.mjs";

const url = process.argv[2];
const maxFrame = Number(process.argv[3]);

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = "nodebuffer";
    const s = { ws, messages: [], closed: null, waiters: [] };
    ws.on("message", (data, isBinary) => {
      s.messages.push(isBinary ? decode(data) : { text: data.toString() });
      s.waiters.forEach(w => w());
    });
    ws.on("close", (code, reason) => { s.closed = { code, reason: reason.toString() }; s.waiters.forEach(w => w()); });
    ws.on("error", () => {});
    ws.on("open", () => resolve(s));
    setTimeout(() => reject(new Error("connect timeout")), 5000);
  });
}

function waitFor(s, pred, what, ms = 5000) {
  return new Promise((resolve, reject) => {
    const check = () => { if (pred()) { resolve(); return true; } return false; };
    if (check()) return;
    const t = setTimeout(() => reject(new Error("timed out waiting for " + what + "; got " + JSON.stringify(s.messages) + " closed=" + JSON.stringify(s.closed))), ms);
    s.waiters.push(() => { if (check()) clearTimeout(t); });
  });
}

const join = (senderId, versions = ["1"]) => encode({ type: "join", senderId, peerMetadata: { isEphemeral: true }, supportedProtocolVersions: versions });

async function expectErrorAndClose(name, frames, errorPattern) {
  const s = await open();
  for (const f of frames) s.ws.send(f);
  await waitFor(s, () => s.closed, name + " close");
  const err = s.messages.find(m => m.type === "error");
  if (errorPattern) {
    if (!err) throw new Error(name + ": no error message before close; got " + JSON.stringify(s.messages));
    if (!errorPattern.test(err.message)) throw new Error(name + ": error was " + err.message);
  }
  ok(name, { error: err && err.message, close: s.closed.code });
}

run(async () => {
  // a well-behaved join first: the server's peer frame decodes in cbor-x with the expected fields
  const good = await open();
  let pings = 0;
  good.ws.on("ping", () => { pings++; good.waiters.forEach(w => w()); });
  good.ws.send(join("raw-good"));
  await waitFor(good, () => good.messages.length > 0, "peer");
  const peer = good.messages[0];
  if (peer.type !== "peer" || peer.selectedProtocolVersion !== "1" || peer.targetId !== "raw-good"
      || typeof peer.peerMetadata.storageId !== "string" || peer.peerMetadata.isEphemeral !== false) {
    throw new Error("bad peer message " + JSON.stringify(peer));
  }
  ok("peer-frame-decodes-in-cbor-x", { peer });

  await expectErrorAndClose("wrong-protocol-version", [join("raw-v2", ["2"])], /unsupported protocol version/);
  await expectErrorAndClose("malformed-cbor", [Buffer.from([0xbf, 0x61, 0xff, 0x13])], /invalid message/);
  await expectErrorAndClose("not-a-map", [encode([1, 2, 3])], /invalid message/);
  await expectErrorAndClose("message-before-join", [encode({ type: "sync", senderId: "x", targetId: "y",
    documentId: "254ngrQD6xjkvG8LwAsMRBVrtEu", data: new Uint8Array([0x42, 0, 0, 0, 0]) })], /join/);
  await expectErrorAndClose("junk-sync-bytes", [join("raw-junk"), encode({ type: "sync", senderId: "raw-junk",
    targetId: peer.senderId, documentId: "254ngrQD6xjkvG8LwAsMRBVrtEu", data: new Uint8Array([0x42, 7, 7, 7]) })], /invalid sync message/);
  await expectErrorAndClose("bad-document-id", [join("raw-badid"), encode({ type: "request", senderId: "raw-badid",
    targetId: peer.senderId, documentId: "not-a-document-id", data: new Uint8Array([0x42, 0, 0, 0, 0]) })], /invalid documentId/);
  await expectErrorAndClose("text-frame", [join("raw-text"), "hello"], /binary/);
  const flood = [];
  for (let i = 0; i < 50; i++) flood.push(join("raw-flood"));
  await expectErrorAndClose("join-flood", flood, /too many join/);
  const subs = [];
  for (let i = 0; i < 2000; i++) subs.push("storage-" + i);
  await expectErrorAndClose("subscription-flood", [join("raw-subs"), encode({ type: "remote-subscription-change",
    senderId: "raw-subs", targetId: peer.senderId, add: subs })], /too many remote subscriptions/);

  // oversized frame: closed by the WebSocket layer with 1009 (message too big)
  const big = await open();
  big.ws.send(Buffer.alloc(maxFrame + 1024, 0x41));
  await waitFor(big, () => big.closed, "oversized close", 15000);
  // 1009 is sent; a client still writing the rest of its frame may only see the reset (1006)
  if (big.closed.code !== 1009 && big.closed.code !== 1006) throw new Error("oversized frame closed with " + big.closed.code);
  if (big.messages.length) throw new Error("oversized frame was answered " + JSON.stringify(big.messages));
  ok("oversized-frame", { close: big.closed.code });

  // the first connection was never disturbed: a request for an unknown doc is answered
  good.ws.send(encode({ type: "request", senderId: "raw-good", targetId: peer.senderId,
    documentId: "2j9knpCseyhnK8izDmLpGP5WMdZQ", data: new Uint8Array([0x42, 0, 0, 1, 0, 0, 0, 2, 2, 0x84]) }));
  await waitFor(good, () => good.messages.some(m => m.type === "doc-unavailable"), "doc-unavailable");
  if (good.closed) throw new Error("good connection was closed");
  ok("node-unaffected");
  // keep-alive: the server pings every 5 s (ws answers with pongs by itself)
  await waitFor(good, () => pings > 0, "a keep-alive ping", 7000);
  ok("keep-alive-ping", { pings });
  good.ws.close();
});
