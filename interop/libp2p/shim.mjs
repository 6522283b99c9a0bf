// Node 20 lacks two things js-libp2p 3.x expects from Node 22: Promise.withResolvers and a global WebSocket
// (the latter comes from running node with --experimental-websocket).
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve
    let reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
