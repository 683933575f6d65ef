'use strict'
// A cluster behind caf-nsqlookupd (issue 12, docs/cluster.md "Failure"): A
// and B are members and both register with lookupd; an nsqjs Reader given
// only `lookupdHTTPAddresses` connects to both. Its session on A attaches B's
// channel and its session on B attaches A's, so each channel has two
// consumers: every message must still arrive exactly once, and lookupd must
// see what it sees of two ordinary nsqd.
const {test} = require('node:test')
const assert = require('node:assert')
const nsq = require('nsqjs')
const h = require('./lib/nsqd')
const l = require('./lib/nsqlookupd')
const {startPair, publishAll} = require('./lib/cluster')

const PER_NODE = 3000

test('a lookupd Reader on two members gets each message exactly once', {timeout: 40000}, async () => {
  const lookupd = await l.startLookupd()
  const flags = [`--lookupd-tcp-address=${lookupd.tcpAddress}`, '--broadcast-address=127.0.0.1']
  const [a, b] = await startPair(flags)
  let reader
  try {
    const topic = 'cluster_lookupd'
    const [fromA, fromB] = [h.numbered('a-', PER_NODE), h.numbered('b-', PER_NODE)]
    const half = PER_NODE / 2 // half before the Reader exists, half while it consumes
    await Promise.all([publishAll(a, topic, fromA.slice(0, half)), publishAll(b, topic, fromB.slice(0, half))])
    const producers = await l.waitForProducers(lookupd, topic, 2)
    assert.deepStrictEqual(producers.map((p) => p.tcp_port).sort(), [a.port, b.port].sort())

    const counts = new Map()
    const errors = []
    reader = new nsq.Reader(topic, 'ch', {lookupdHTTPAddresses: [lookupd.httpAddress], maxInFlight: 50})
    reader.on('message', (msg) => {
      counts.set(msg.body.toString(), (counts.get(msg.body.toString()) || 0) + 1)
      msg.finish()
    })
    reader.on('error', (err) => errors.push(String(err)))
    reader.connect() // 'ready' may never fire with two nsqd found at once
    // Both sessions attached to the other member's channel.
    for (const node of [a, b]) {
      await h.waitForChannel(node, topic, 'ch', (ch) => ch && ch.clients.length === 2, 10000)
    }
    await Promise.all([publishAll(a, topic, fromA.slice(half)), publishAll(b, topic, fromB.slice(half))])
    const all = [...fromA, ...fromB]
    await h.waitUntil(() => all.every((m) => counts.has(m)), 20000, `all ${all.length} messages`)
    await h.sleep(500) // a duplicate would show up now
    assert.deepStrictEqual(all.filter((m) => counts.get(m) !== 1), [], 'each exactly once')
    assert.strictEqual(counts.size, all.length, 'nothing but the published bodies')
    assert.deepStrictEqual(errors, [])
    for (const node of [a, b]) {
      const ch = await h.waitForChannel(node, topic, 'ch', (x) => x.depth + x.in_flight_count === 0, 5000)
      assert.strictEqual(ch.message_count, PER_NODE, 'each owner delivered its own messages')
    }
    // lookupd's view is that of two ordinary nsqd with the channel.
    const lookup = await l.lookupdGet(lookupd, `/lookup?topic=${topic}`)
    assert.deepStrictEqual(lookup.json.channels, ['ch'])
    assert.deepStrictEqual(lookup.json.producers.map((p) => p.tcp_port).sort(), [a.port, b.port].sort())
    const channels = await l.lookupdGet(lookupd, `/channels?topic=${topic}`)
    assert.deepStrictEqual(channels.json, {channels: ['ch']})
    const nodes = await l.lookupdGet(lookupd, '/nodes')
    assert.strictEqual(nodes.json.producers.length, 2)
    for (const p of nodes.json.producers) assert.deepStrictEqual(p.topics, [topic])
    reader.close()
    assert.strictEqual(await a.stop(), 0)
    assert.strictEqual(await b.stop(), 0)
    assert.strictEqual(await lookupd.stop(), 0)
  } catch (err) {
    throw h.withLogs(err, {a, b})
  } finally {
    if (reader) reader.close()
    await h.cleanUp([], [a, b, lookupd])
  }
})
