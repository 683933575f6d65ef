'use strict'
// Helpers for the cluster tests (docs/cluster.md): nodes on free loopback
// ports joined into a cluster, and waiting until they see each other.
const net = require('node:net')
const assert = require('node:assert')
const h = require('./nsqd')

/** Returns a loopback port that was free a moment ago. */
async function freePort() {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Starts a cluster node on `clusterPort`, joining `peerPort` if given. */
function startNode(clusterPort, peerPort, extraFlags = [], options = {}) {
  const flags = [`--cluster-address=127.0.0.1:${clusterPort}`, ...extraFlags]
  if (peerPort) flags.push(`--cluster-peer=127.0.0.1:${peerPort}`)
  return h.startNsqd(flags, options)
}

/** GET /cluster of `node`, parsed. */
async function clusterView(node) {
  const r = await h.httpRequest(node, 'GET', '/cluster')
  assert.strictEqual(r.status, 200, r.text)
  return JSON.parse(r.text)
}

/** Waits until `node` sees `n` members alive (itself excluded). */
async function waitForAlive(node, n, ms = 30000) {
  const deadline = Date.now() + ms
  for (;;) {
    const view = await clusterView(node)
    const alive = (view.members || []).filter((m) => m.state === 'alive').length
    if (alive >= n) return
    if (Date.now() > deadline) throw new Error(`cluster not formed: ${JSON.stringify(view)}`)
    await h.sleep(50)
  }
}

/** Starts two members (the second joining the first) and waits until both see the other. */
async function startPair(flags = []) {
  const [p1, p2] = [await freePort(), await freePort()]
  const first = await startNode(p1, null, flags)
  const second = await startNode(p2, p1, flags).catch(async (err) => {
    await first.kill()
    throw err
  })
  await waitForAlive(first, 1)
  await waitForAlive(second, 1)
  return [first, second]
}

/** Publishes `bodies` to `topic` on `node` in MPUB batches of `batch`. */
async function publishAll(node, topic, bodies, batch = 500) {
  const writer = await h.connectWriter(node)
  try {
    for (let i = 0; i < bodies.length; i += batch) await h.publish(writer, topic, bodies.slice(i, i + batch))
  } finally {
    writer.close()
  }
}

module.exports = {freePort, startNode, startPair, clusterView, waitForAlive, publishAll}
