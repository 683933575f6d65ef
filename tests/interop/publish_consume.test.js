'use strict'
// nsqjs Writer (PUB, MPUB, DPUB) and Reader (maxInFlight > 1, FIN) against
// caf-nsqd: every message arrives exactly once.
const {test} = require('node:test')
const assert = require('node:assert')
const h = require('./lib/nsqd')

test('Writer publish, MPUB and deferPublish reach a Reader exactly once', {timeout: 60000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    const counts = new Map()
    const firstAttempts = []
    const arrivals = new Map()
    const reader = await h.connectReader(nsqd, 'interop_pub', 'ch', {maxInFlight: 50})
    reader.on('message', (msg) => {
      const body = msg.body.toString()
      counts.set(body, (counts.get(body) || 0) + 1)
      firstAttempts.push(msg.attempts)
      arrivals.set(body, Date.now())
      assert.match(msg.id, /^[0-9a-f]{16}$/)
      msg.finish()
    })
    const writer = await h.connectWriter(nsqd)

    const singles = h.numbered('single-', 1000)
    await Promise.all(singles.map((m) => h.publish(writer, 'interop_pub', m)))
    const batches = []
    for (let b = 0; b < 20; b++) batches.push(h.numbered(`batch${b}-`, 100))
    for (const batch of batches) await h.publish(writer, 'interop_pub', batch)
    const deferred = h.numbered('deferred-', 5)
    const deferStart = Date.now()
    for (const m of deferred) await h.deferPublish(writer, 'interop_pub', m, 800)

    const expected = [...singles, ...batches.flat(), ...deferred]
    await h.waitUntil(() => counts.size === expected.length, 30000, 'all messages consumed')
    await h.sleep(300) // nothing extra may follow
    for (const body of expected) assert.strictEqual(counts.get(body), 1, `count of ${body}`)
    assert.strictEqual(counts.size, expected.length)
    assert.ok(firstAttempts.every((a) => a === 1), 'every delivery is a first attempt')
    for (const m of deferred) {
      assert.ok(arrivals.get(m) - deferStart >= 750, `${m} arrived after its delay`)
    }
    assert.deepStrictEqual(reader.errors, [])
    writer.close()
    await h.closeReader(reader)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})

test('a Writer publishing before any channel exists loses nothing', {timeout: 60000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    const writer = await h.connectWriter(nsqd)
    const bodies = h.numbered('early-', 2000)
    for (let i = 0; i < bodies.length; i += 500) {
      await h.publish(writer, 'interop_early', bodies.slice(i, i + 500))
    }
    const counts = new Map()
    const reader = await h.connectReader(nsqd, 'interop_early', 'late', {maxInFlight: 100})
    reader.on('message', (msg) => {
      const body = msg.body.toString()
      counts.set(body, (counts.get(body) || 0) + 1)
      msg.finish()
    })
    await h.waitUntil(() => counts.size === bodies.length, 30000, 'held messages consumed')
    await h.sleep(300)
    for (const body of bodies) assert.strictEqual(counts.get(body), 1, `count of ${body}`)
    writer.close()
    await h.closeReader(reader)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})

test('a Writer gets an error for an invalid topic', {timeout: 30000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    const writer = await h.connectWriter(nsqd)
    writer.on('error', () => {}) // the fatal error is also emitted as an event
    await assert.rejects(h.publish(writer, 'bad!topic', 'x'), /E_BAD_TOPIC/)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})
