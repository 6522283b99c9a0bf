// A js-libp2p peer with circuit relay v2 (client transport, optionally the relay service) and AutoNAT v2, driven
// over stdin/stdout like peer.mjs (one JSON object per line) for the Java relay/AutoNAT interop tests.
// Run: node --experimental-websocket --import ./shim.mjs relay-peer.mjs [--listen-addr MA]... [--relay-server]
//        [--reserve RELAY_MA] [--announce MA]... [--autonat] [--seed HEX]
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { autoNATv2 } from '@libp2p/autonat-v2'
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createHash } from 'node:crypto'
import { createInterface } from 'node:readline'

const ECHO = '/elohim/echo/1.0.0'
const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const options = (name) => args.flatMap((a, i) => a === name ? [args[i + 1]] : [])
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

const seedHex = options('--seed')[0]
const privateKey = seedHex != null
  ? await generateKeyPairFromSeed('Ed25519', Uint8Array.from(Buffer.from(seedHex, 'hex')))
  : await generateKeyPair('Ed25519')

const listen = [...options('--listen-addr'), ...options('--reserve').map(r => r + '/p2p-circuit')]
const services = {
  identify: identify(),
  ping: ping({ runOnLimitedConnection: true })
}
if (flag('--relay-server')) {
  // generous limits so the interop test can move real data through the circuit
  services.relay = circuitRelayServer({
    reservations: { maxReservations: 32, defaultDurationLimit: 120_000, defaultDataLimit: BigInt(1 << 24) }
  })
}
if (flag('--autonat')) {
  services.autonat = autoNATv2({ startupDelay: 100, refreshInterval: 2_000, connectionThreshold: 0 })
}

const node = await createLibp2p({
  privateKey,
  addresses: { listen, announce: options('--announce') },
  transports: [tcp(), circuitRelayTransport()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services,
  connectionManager: { maxConnections: 64 },
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

await node.handle(ECHO, async (stream) => {
  try {
    for await (const buf of stream) {
      if (!stream.send(buf)) await drain(stream)
    }
    await stream.close()
  } catch (err) {
    stream.abort(err)
  }
}, { runOnLimitedConnection: true })

node.addEventListener('peer:connect', (evt) => emit({ event: 'connect', peer: evt.detail.toString() }))
node.addEventListener('self:peer:update', () => emit({ event: 'addrs', addrs: node.getMultiaddrs().map(String) }))
node.addEventListener('connection:open', (evt) => {
  const c = evt.detail
  emit({ event: 'connection', peer: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), limited: c.limits != null, direction: c.direction })
})

const connTo = (peer) => node.getConnections().find(c => c.remotePeer.toString() === peer && c.status === 'open')

async function echoOnce (conn, size, seed) {
  const stream = await conn.newStream(ECHO, { runOnLimitedConnection: true })
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
  for (let off = 0; off < data.length; off += 16 * 1024) {
    if (!stream.send(data.subarray(off, Math.min(data.length, off + 16 * 1024)))) await drain(stream)
  }
  await stream.close()
  await reader
  return received === size && hash.digest('hex') === createHash('sha256').update(data).digest('hex')
}

async function handle (cmd) {
  switch (cmd.cmd) {
    case 'dial': {
      const conn = await node.dial(multiaddr(cmd.addr))
      return { peer: conn.remotePeer.toString(), remoteAddr: conn.remoteAddr.toString(), limited: conn.limits != null }
    }
    case 'ping': {
      const conn = cmd.addr != null ? multiaddr(cmd.addr) : connTo(cmd.peer).remotePeer
      const rtts = []
      for (let i = 0; i < (cmd.count ?? 1); i++) rtts.push(await node.services.ping.ping(conn, { runOnLimitedConnection: true }))
      return { rtts }
    }
    case 'echo': {
      const conn = connTo(cmd.peer) ?? await node.dial(multiaddr(cmd.addr))
      return { ok: await echoOnce(conn, cmd.size, cmd.seed ?? 0), limited: conn.limits != null }
    }
    case 'addrs':
      return { addrs: node.getMultiaddrs().map(String) }
    case 'connections':
      return { connections: node.getConnections().map(c => ({ peer: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), limited: c.limits != null })) }
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
