'use strict'
// Failures in cluster-wide consumption with the real Node.js client (issue
// 12, docs/cluster.md "Failure"): the death of the node a consumer is
// connected to requeues the messages it held at once on the node that owns
// them; so does its freezing (the closest to a partition one process can
// make), without A's /stats waiting for the frozen node; a topic created on
// another node after the Reader subscribed reaches it without a reconnect.
const {test} = require('node:test')
const assert = require('node:assert')
const h = require('./lib/nsqd')
const {startPair, publishAll} = require('./lib/cluster')

const HELD = 20

/** Freezes `c` (SIGSTOP) while `whileFrozen()` runs, then thaws it. */
async function frozen(c, whileFrozen) {
  process.kill(c.pid, 'SIGSTOP')
  try {
    return await whileFrozen()
  } finally {
    process.kill(c.pid, 'SIGCONT')
  }
}

/**
 * Starts A and C, publishes HELD messages on A and has a Reader on C hold
 * them all, never FINed, with a minute's msg_timeout (only C's failure can
 * requeue them); returns {a, c, reader, bodies}. RDY 2*HELD: the session
 * splits it between C's own channel and A's.
 */
async function heldOnC(topic, flags = []) {
  const [a, c] = await startPair(flags)
  const bodies = h.numbered('frozen-', HELD)
  await publishAll(a, topic, bodies)
  const held = new Set()
  const reader = await h.connectReader(c, topic, 'ch', {maxInFlight: 2 * HELD, messageTimeout: 60000})
  reader.on('message', (msg) => held.add(msg.body.toString()))
  await h.waitUntil(() => held.size === HELD, 10000, `all ${HELD} messages held on C`)
  return {a, c, reader, bodies}
}

/** A new consumer on A receives exactly `bodies`, each once. */
async function drainOnA(a, topic, bodies) {
  const got = new Map()
  const fresh = await h.connectReader(a, topic, 'ch', {maxInFlight: HELD})
  try {
    fresh.on('message', (msg) => {
      got.set(msg.body.toString(), (got.get(msg.body.toString()) || 0) + 1)
      msg.finish()
    })
    await h.waitUntil(() => got.size === bodies.length, 5000, 'the requeued messages on A')
    await h.sleep(200)
    assert.deepStrictEqual([...got.keys()].sort(), [...bodies].sort())
    assert.ok([...got.values()].every((n) => n === 1), 'each once')
    assert.deepStrictEqual(fresh.errors, [])
    await h.waitForChannel(a, topic, 'ch', (ch) => ch.depth + ch.in_flight_count === 0, 5000)
  } finally {
    await h.closeReader(fresh)
  }
}

test('the consumer-side node dies: the owner requeues its in-flight messages at once', {timeout: 30000}, async () => {
  const topic = 'cluster_consumer_death'
  const {a, c, reader, bodies} = await heldOnC(topic)
  try {
    const before = await h.channelStats(a, topic, 'ch')
    assert.strictEqual(before.in_flight_count, HELD, 'A counts them in flight')
    assert.strictEqual(before.depth, 0)
    assert.strictEqual(await c.kill(), 128)
    const killedAt = Date.now()
    const after = await h.waitForChannel(a, topic, 'ch', (ch) => ch.in_flight_count === 0, 8000)
    const elapsed = Date.now() - killedAt
    assert.strictEqual(after.depth, HELD, 'every held message is back in the queue')
    // Counted as timeouts, as nsqd counts a gone client's messages; but
    // within seconds of the kill, not after the minute's msg_timeout.
    assert.strictEqual(after.timeout_count, HELD)
    assert.ok(elapsed < 8000, `requeued ${elapsed} ms after the kill`)
    reader.close() // it would retry C forever
    await drainOnA(a, topic, bodies)
    reader.close()
    assert.strictEqual(await a.stop(), 0)
  } catch (err) {
    throw h.withLogs(err, {a, c})
  } finally {
    reader.close()
    await h.cleanUp([], [a])
    await c.kill()
  }
})

test('the consumer-side node freezes past --cluster-timeout: A requeues at once, its /stats does not wait', {timeout: 30000}, async () => {
  const topic = 'cluster_consumer_frozen'
  const {a, c, reader, bodies} = await heldOnC(topic, ['--cluster-timeout=1s'])
  try {
    await frozen(c, async () => {
      const frozenAt = Date.now()
      let after
      let slowest = 0 // A's /stats asks C's session too: it must not wait 10 s for it
      do {
        const askedAt = Date.now()
        after = await h.channelStats(a, topic, 'ch')
        slowest = Math.max(slowest, Date.now() - askedAt)
        await h.sleep(50)
      } while (after.in_flight_count > 0 && Date.now() - frozenAt < 8000)
      assert.ok(slowest < 5000, `A's /stats took ${slowest} ms while C was frozen`)
      assert.strictEqual(after.in_flight_count, 0, 'A requeued within 8 s of the freeze')
      assert.strictEqual(after.depth, HELD, 'A requeued what the frozen node held')
      await drainOnA(a, topic, bodies) // while C is still frozen
    })
    reader.close()
    assert.strictEqual(await a.stop(), 0)
  } catch (err) {
    throw h.withLogs(err, {a, c})
  } finally {
    reader.close()
    await h.cleanUp([], [a])
    await c.kill()
  }
})

test('a topic created on A after a Reader on C subscribed reaches it without a reconnect', {timeout: 30000}, async () => {
  const [a, c] = await startPair()
  let reader
  try {
    const topic = 'cluster_later'
    const counts = new Map()
    reader = await h.connectReader(c, topic, 'ch', {maxInFlight: 10})
    reader.on('message', (msg) => {
      counts.set(msg.body.toString(), (counts.get(msg.body.toString()) || 0) + 1)
      msg.finish()
    })
    const topics = (await h.stats(a)).topics || []
    assert.ok(!topics.some((t) => t.topic_name === topic), 'A has no such topic yet')
    const bodies = h.numbered('later-', 200)
    await publishAll(a, topic, bodies, 50)
    await h.waitUntil(() => counts.size === bodies.length, 10000, 'the new topic\'s messages on C')
    await h.sleep(200)
    assert.ok(bodies.every((b) => counts.get(b) === 1), 'each once')
    assert.deepStrictEqual(reader.errors, [])
    const ch = await h.waitForChannel(a, topic, 'ch', (x) => x && x.depth + x.in_flight_count === 0, 5000)
    assert.strictEqual(ch.message_count, bodies.length)
    await h.closeReader(reader)
    reader = undefined
    assert.strictEqual(await a.stop(), 0)
    assert.strictEqual(await c.stop(), 0)
  } catch (err) {
    throw h.withLogs(err, {a, c})
  } finally {
    await h.cleanUp([reader], [a, c])
  }
})
