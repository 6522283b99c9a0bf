// A js-libp2p peer on QUIC (@chainsafe/libp2p-quic), WebSocket (@libp2p/websockets) and TCP, driven over
// stdin/stdout like peer.mjs (same JSON lines and commands: dial, ping, echo, perf, connections, hangup, stop).
// Run: node --experimental-websocket --import ./shim.mjs transport-peer.mjs [--listen ADDR]... [--seed HEX]
//   ADDR e.g. /ip4/127.0.0.1/udp/0/quic-v1, /ip4/127.0.0.1/tcp/0/ws, /ip4/127.0.0.1/tcp/0
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { quic } from '@chainsafe/libp2p-quic'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createHash } from 'node:crypto'
import { createInterface } from 'node:readline'

const ECHO = '/elohim/echo/1.0.0'
const PERF = '/perf/1.0.0'
const args = process.argv.slice(2)
const options = (name) => args.flatMap((a, i) => a === name && i + 1 < args.length ? [args[i + 1]] : [])
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

const seedHex = options('--seed')[0]
const privateKey = seedHex != null
  ? await generateKeyPairFromSeed('Ed25519', Uint8Array.from(Buffer.from(seedHex, 'hex')))
  : await generateKeyPair('Ed25519')

const node = await createLibp2p({
  privateKey,
  addresses: { listen: options('--listen') },
  transports: [quic(), tcp(), webSockets()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  // the connection monitor pings too: leave room beside the commands' pings
  services: { identify: identify(), identifyPush: identifyPush(), ping: ping({ maxOutboundStreams: 4 }) },
  connectionManager: { maxConnections: 64 },
  // loopback peers only: let js dial 127.0.0.1 over every transport
  connectionGater: { denyDialMultiaddr: () => false }
})

const payload = (n, seed) => {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff
  return b
}
const bytesOf = (buf) => buf instanceof Uint8Array ? buf : buf.subarray()
const drain = (stream) => new Promise((resolve) => {
  const done = () => { stream.removeEventListener('drain', done); stream.removeEventListener('close', done); resolve() }
  stream.addEventListener('drain', done)
  stream.addEventListener('close', done)
})
async function sendAll (stream, data) {
  for (let off = 0; off < data.length; off += 64 * 1024) {
    if (!stream.send(data.subarray(off, Math.min(data.length, off + 64 * 1024)))) await drain(stream)
  }
}
async function sendZeros (stream, total) {
  const block = new Uint8Array(64 * 1024)
  for (let off = 0; off < total; off += block.length) {
    const n = Math.min(block.length, total - off)
    if (!stream.send(n === block.length ? block : block.subarray(0, n))) await drain(stream)
  }
}

await node.handle(ECHO, async (stream) => {
  try {
    for await (const buf of stream) {
      if (!stream.send(buf)) await drain(stream)
    }
    await stream.close()
  } catch (err) {
    stream.abort(err)
  }
}, { maxInboundStreams: 256, maxOutboundStreams: 256 })

await node.handle(PERF, async (stream) => {
  try {
    let header = new Uint8Array(0)
    for await (const buf of stream) {
      if (header.length < 8) {
        const b = bytesOf(buf)
        const joined = new Uint8Array(header.length + b.length)
        joined.set(header); joined.set(b, header.length)
        header = joined
      }
    }
    await sendZeros(stream, Number(new DataView(header.buffer, header.byteOffset, 8).getBigUint64(0)))
    await stream.close()
  } catch (err) {
    stream.abort(err)
  }
}, { maxInboundStreams: 16, maxOutboundStreams: 16 })

node.addEventListener('peer:connect', (evt) => emit({ event: 'connect', peer: evt.detail.toString() }))
node.addEventListener('peer:disconnect', (evt) => emit({ event: 'disconnect', peer: evt.detail.toString() }))
node.addEventListener('peer:identify', (evt) => {
  const d = evt.detail
  emit({
    event: 'identify',
    peer: d.peerId.toString(),
    agentVersion: d.agentVersion,
    protocols: d.protocols,
    listenAddrs: d.listenAddrs.map(String),
    observedAddr: d.observedAddr?.toString(),
    remoteAddr: d.connection?.remoteAddr?.toString()
  })
})

const describe = (c) => ({
  peer: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), status: c.status,
  multiplexer: c.multiplexer, encryption: c.encryption, direction: c.direction, streams: c.streams.length
})
async function connOrDial (cmd) {
  const open = node.getConnections().find(c => c.remotePeer.toString() === cmd.peer && c.status === 'open')
  if (open != null) return open
  if (cmd.addr == null) throw new Error('not connected to ' + cmd.peer)
  return await node.dial(multiaddr(cmd.addr))
}

async function echoOnce (conn, size, seed) {
  const stream = await conn.newStream(ECHO, { maxOutboundStreams: 256 })
  const data = payload(size, seed)
  const hash = createHash('sha256')
  let received = 0
  const reader = (async () => {
    for await (const buf of stream) {
      const b = bytesOf(buf)
      hash.update(b)
      received += b.length
    }
  })()
  await sendAll(stream, data)
  await stream.close()
  await reader
  return { size, received, ok: received === size && hash.digest('hex') === createHash('sha256').update(data).digest('hex') }
}

async function perfOnce (conn, upload, download) {
  const stream = await conn.newStream(PERF)
  const start = process.hrtime.bigint()
  let received = 0
  const reader = (async () => {
    for await (const buf of stream) received += bytesOf(buf).length
  })()
  const header = new Uint8Array(8)
  new DataView(header.buffer).setBigUint64(0, BigInt(download))
  stream.send(header)
  await sendZeros(stream, upload)
  const uploaded = process.hrtime.bigint()
  await stream.close()
  await reader
  const end = process.hrtime.bigint()
  return { upload, download, received, uploadNanos: Number(uploaded - start), totalNanos: Number(end - start) }
}

async function handle (cmd) {
  switch (cmd.cmd) {
    case 'dial':
      return describe(await node.dial(multiaddr(cmd.addr)))
    case 'ping': {
      const conn = await connOrDial(cmd)
      const rtts = []
      for (let i = 0; i < (cmd.count ?? 1); i++) rtts.push(await node.services.ping.ping(conn.remoteAddr))
      return { rtts, connection: describe(conn) }
    }
    case 'echo': {
      const conn = await connOrDial(cmd)
      const results = await Promise.all(Array.from({ length: cmd.streams ?? 1 }, (_, i) => echoOnce(conn, cmd.size, i)))
      return { streams: results.length, ok: results.every(r => r.ok), results: results.filter(r => !r.ok), connection: describe(conn) }
    }
    case 'perf':
      return await perfOnce(await connOrDial(cmd), cmd.upload ?? 0, cmd.download ?? 0)
    case 'connections':
      return { connections: node.getConnections().map(describe), streams: node.getConnections().flatMap(c => c.streams.map(s => ({ protocol: s.protocol, direction: s.direction, status: s.status, readStatus: s.readStatus, writeStatus: s.writeStatus, id: s.id }))) }
    case 'hangup':
      await node.hangUp(cmd.addr != null ? multiaddr(cmd.addr) : (await connOrDial(cmd)).remotePeer)
      return {}
    case 'stop':
      await node.stop()
      emit({ id: cmd.id, ok: true })
      process.exit(0)
    default:
      throw new Error('unknown command ' + cmd.cmd)
  }
}

const rl = createInterface({ input: process.stdin })
rl.on('line', (line) => {
  if (line.trim() === '') return
  let cmd
  try { cmd = JSON.parse(line) } catch (err) { emit({ ok: false, error: 'bad json' }); return }
  handle(cmd).then(
    (result) => emit({ id: cmd.id, ok: true, ...result }),
    (err) => emit({ id: cmd.id, ok: false, error: String(err?.stack ?? err) }))
})
rl.on('close', () => { node.stop().finally(() => process.exit(0)) })

emit({ event: 'ready', peer: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })
