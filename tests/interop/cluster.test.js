'use strict'
// Cluster-wide consumption with the real Node.js client (issue 12,
// docs/cluster.md): three caf-nsqd processes A, B, C form a cluster; messages
// are published to A and B only; an nsqjs Reader connected only to C
// receives every one of them. Then B is SIGKILLed mid-stream: the Reader goes
// on with A's messages, and once B restarts on its data directory the rest of
// B's arrive (B runs --mem-queue-size=0 --sync-every=1).
const {test} = require('node:test')
const assert = require('node:assert')
const nsq = require('nsqjs')
const h = require('./lib/nsqd')
const {startNode, waitForAlive, publishAll} = require('./lib/cluster')

const PER_NODE = 15000

/**
 * A Reader on `node` that counts every body it gets and finishes it;
 * `order` holds the bodies in the order they first arrived.
 */
async function countingReader(node, topic, channel, maxInFlight) {
  const counts = new Map()
  const order = []
  const reader = await h.connectReader(node, topic, channel, {maxInFlight})
  reader.on('message', (msg) => {
    const body = msg.body.toString()
    if (!counts.has(body)) order.push(body)
    counts.set(body, (counts.get(body) || 0) + 1)
    msg.finish()
  })
  return {reader, counts, order}
}

const received = (counts, bodies) => bodies.filter((b) => counts.has(b)).length
const duplicated = (counts, bodies) => bodies.filter((b) => counts.get(b) > 1)

test('a Reader on C receives all 30,000 messages published on A and B', {timeout: 120000}, async () => {
  const a = await startNode()
  const b = await startNode(a)
  const c = await startNode(a)
  let reader
  try {
    await waitForAlive(c, 2)
    await waitForAlive(a, 2)
    await waitForAlive(b, 2)
    const topic = 'cluster_all'
    const fromA = h.numbered('a-', PER_NODE)
    const fromB = h.numbered('b-', PER_NODE)
    // A third before the Reader exists, the rest while it consumes.
    const third = PER_NODE / 3
    await publishAll(a, topic, fromA.slice(0, third))
    await publishAll(b, topic, fromB.slice(0, third))
    const r = await countingReader(c, topic, 'ch', 100)
    reader = r.reader
    await Promise.all([publishAll(a, topic, fromA.slice(third)), publishAll(b, topic, fromB.slice(third))])
    const all = [...fromA, ...fromB]
    await h.waitUntil(() => received(r.counts, all) === all.length, 60000, `all ${all.length} messages on C`)
    await h.sleep(500) // a duplicate would show up now
    assert.deepStrictEqual(duplicated(r.counts, all), [])
    assert.strictEqual(r.counts.size, all.length, 'nothing but the published bodies')
    assert.deepStrictEqual(reader.errors, [])
    // The owners kept the messages' bookkeeping: C's own channel had none.
    for (const owner of [a, b]) {
      const ch = await h.channelStats(owner, topic, 'ch')
      assert.strictEqual(ch.message_count, PER_NODE, 'each owner delivered its own messages')
      assert.strictEqual(ch.depth + ch.in_flight_count, 0)
    }
    await h.closeReader(reader)
    reader = undefined
    for (const node of [a, b, c]) assert.strictEqual(await node.stop(), 0)
  } catch (err) {
    throw h.withLogs(err, {a, b, c})
  } finally {
    await h.cleanUp([reader], [a, b, c])
  }
})

test('B is SIGKILLed mid-stream: A goes on; after its restart the rest of B arrives', {timeout: 150000}, async () => {
  const durable = ['--mem-queue-size=0', '--sync-every=1']
  const bData = h.makeDataDir()
  const a = await startNode()
  let b = await startNode(a, durable, {dataPath: bData})
  const c = await startNode(a)
  let reader
  try {
    await waitForAlive(c, 2)
    await waitForAlive(b, 2)
    const topic = 'cluster_kill'
    const fromA = h.numbered('a-', PER_NODE)
    const fromB = h.numbered('b-', PER_NODE)
    await publishAll(a, topic, fromA)
    await publishAll(b, topic, fromB)
    // A slow consumer, so B is killed with most of its messages undelivered.
    const r = await countingReader(c, topic, 'ch', 20)
    reader = r.reader
    await h.waitUntil(() => received(r.counts, fromB) >= 1000, 30000, '1,000 of B on C')
    assert.strictEqual(await b.kill(), 128)
    const bBeforeKill = r.order.filter((m) => m.startsWith('b-')) // B's, first arrivals
    assert.ok(received(r.counts, fromB) < PER_NODE, 'B was killed before it was drained')
    // A's messages keep arriving without B.
    await h.waitUntil(() => received(r.counts, fromA) === PER_NODE, 60000, `all of A on C without B`)
    // Back on the same addresses, as a restarted member.
    b = await startNode(a, [...durable, `--tcp-address=127.0.0.1:${b.port}`], {
      dataPath: bData,
      clusterPort: b.clusterPort,
    })
    await h.waitUntil(() => received(r.counts, fromB) === PER_NODE, 60000, 'the rest of B after its restart')
    // C's session attached to the new B without a reconnect: B lists it as
    // its channel's consumer, with the Reader's address.
    const [onC] = (await h.channelStats(c, topic, 'ch')).clients
    const onB = await h.waitForChannel(b, topic, 'ch', (ch) => ch && ch.clients.length === 1, 5000)
    assert.strictEqual(onB.clients[0].remote_address, onC.remote_address)
    await h.sleep(500)
    assert.deepStrictEqual(duplicated(r.counts, fromA), [], 'A: no duplicates')
    // Only B's messages in flight at the kill may come twice: delivered just
    // before it (their FIN not yet on B's disk), never an earlier one. The
    // window is B's last 400 before the kill: under load (ctest -j2) the FINs
    // still on their way to B's disk went back more than 100 messages.
    const earliest = new Set(bBeforeKill.slice(0, Math.max(0, bBeforeKill.length - 400)))
    const early = duplicated(r.counts, fromB).filter((b) => earliest.has(b))
    assert.deepStrictEqual(early, [], 'B: a message FINed long before the kill came back')
    // The dead node's messages acknowledged by the Reader are dropped by C
    // without an error (they come back from B).
    assert.deepStrictEqual(reader.errors, [])
  } catch (err) {
    throw h.withLogs(err, {a, b, c})
  } finally {
    await h.cleanUp([reader], [a, b, c])
    h.removeDataDir(bData)
  }
})
