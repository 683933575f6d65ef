'use strict'
// Helpers for the cluster tests (docs/cluster.md): nodes on free loopback
// ports joined into a cluster, and waiting until they see each other.
const assert = require('node:assert')
const h = require('./nsqd')

const CLUSTER_LISTENING = /CLUSTER: listening on 127\.0\.0\.1:(\d+)/

/**
 * Starts a cluster node, joining `peer` (a node started here) if given. The
 * node binds the ports it is told (`options.clusterPort`, a
 * `--tcp-address` flag: for a restart on the same address) or else port 0,
 * and `clusterPort` is learned from its log: a port picked free beforehand
 * could be taken by another node's port-0 listener before it is bound.
 */
async function startNode(peer, extraFlags = [], options = {}) {
  const flags = [`--cluster-address=127.0.0.1:${options.clusterPort || 0}`, ...extraFlags]
  if (peer) flags.push(`--cluster-peer=127.0.0.1:${peer.clusterPort}`)
  const node = await h.startNsqd(flags, options)
  // The cluster listener comes up after the TCP one.
  const listening = () => CLUSTER_LISTENING.exec(node.log())
  const seen = await h
    .waitUntil(() => listening() || node.exitCode() !== null, 10000, 'the CLUSTER listening line')
    .then(listening, () => null)
  if (!seen) {
    await node.kill()
    throw new Error(`caf-nsqd has no cluster listener:\n${node.log()}`)
  }
  node.clusterPort = Number(seen[1])
  return node
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
  const first = await startNode(null, flags)
  const second = await startNode(first, flags).catch(async (err) => {
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

module.exports = {startNode, startPair, clusterView, waitForAlive, publishAll}
