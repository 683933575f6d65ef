'use strict'
// nsqjs Readers sharing a channel, on separate channels, and on an ephemeral
// channel, against caf-nsqd.
const {test} = require('node:test')
const assert = require('node:assert')
const h = require('./lib/nsqd')

function countingReader(reader) {
  const counts = new Map()
  reader.on('message', (msg) => {
    const body = msg.body.toString()
    counts.set(body, (counts.get(body) || 0) + 1)
    msg.finish()
  })
  return counts
}

function total(counts) {
  let n = 0
  for (const c of counts.values()) n += c
  return n
}

test('two Readers on one channel share the messages, none lost or duplicated', {timeout: 60000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    const a = await h.connectReader(nsqd, 'interop_share', 'ch', {maxInFlight: 20})
    const b = await h.connectReader(nsqd, 'interop_share', 'ch', {maxInFlight: 20})
    const ca = countingReader(a)
    const cb = countingReader(b)
    const writer = await h.connectWriter(nsqd)
    const bodies = h.numbered('share-', 3000)
    for (let i = 0; i < bodies.length; i += 300) {
      await h.publish(writer, 'interop_share', bodies.slice(i, i + 300))
    }
    await h.waitUntil(() => total(ca) + total(cb) >= bodies.length, 30000, 'all shared')
    await h.sleep(300)
    assert.strictEqual(total(ca) + total(cb), bodies.length)
    for (const body of bodies) {
      assert.strictEqual((ca.get(body) || 0) + (cb.get(body) || 0), 1, `count of ${body}`)
    }
    assert.ok(total(ca) > 0 && total(cb) > 0, `both got work: ${total(ca)} / ${total(cb)}`)
    writer.close()
    await h.closeReader(a)
    await h.closeReader(b)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})

test('two channels each get every message', {timeout: 60000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    const a = await h.connectReader(nsqd, 'interop_fan', 'one', {maxInFlight: 50})
    const b = await h.connectReader(nsqd, 'interop_fan', 'two', {maxInFlight: 50})
    const ca = countingReader(a)
    const cb = countingReader(b)
    const writer = await h.connectWriter(nsqd)
    const bodies = h.numbered('fan-', 2000)
    for (let i = 0; i < bodies.length; i += 250) {
      await h.publish(writer, 'interop_fan', bodies.slice(i, i + 250))
    }
    await h.waitUntil(() => ca.size === bodies.length && cb.size === bodies.length, 30000,
      'both channels complete')
    await h.sleep(300)
    for (const counts of [ca, cb]) {
      assert.strictEqual(total(counts), bodies.length)
      for (const body of bodies) assert.strictEqual(counts.get(body), 1, `count of ${body}`)
    }
    writer.close()
    await h.closeReader(a)
    await h.closeReader(b)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})

test('an ephemeral channel vanishes with its last Reader', {timeout: 60000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    // A durable channel keeps the topic delivering while the ephemeral one is gone.
    const durable = await h.connectReader(nsqd, 'interop_eph', 'durable', {maxInFlight: 50})
    const cd = countingReader(durable)
    const e1 = await h.connectReader(nsqd, 'interop_eph', 'ch#ephemeral', {maxInFlight: 50})
    const c1 = countingReader(e1)
    const writer = await h.connectWriter(nsqd)
    const first = h.numbered('first-', 1000)
    await h.publish(writer, 'interop_eph', first)
    await h.waitUntil(() => c1.size === first.length, 20000, 'ephemeral reader got the first batch')
    await h.closeReader(e1)
    await h.waitForChannel(nsqd, 'interop_eph', 'ch#ephemeral', (c) => c === undefined, 10000) // closes are learnt asynchronously

    const gap = h.numbered('gap-', 200)
    await h.publish(writer, 'interop_eph', gap)
    const e2 = await h.connectReader(nsqd, 'interop_eph', 'ch#ephemeral', {maxInFlight: 50})
    const c2 = countingReader(e2)
    const later = h.numbered('later-', 300)
    await h.publish(writer, 'interop_eph', later)
    await h.waitUntil(() => c2.size === later.length, 20000, 'new ephemeral reader got new messages')
    await h.waitUntil(() => cd.size === first.length + gap.length + later.length, 20000,
      'durable channel got everything')
    await h.sleep(300)
    for (const body of first) assert.strictEqual(c1.get(body), 1, `first reader: ${body}`)
    for (const body of later) assert.strictEqual(c2.get(body), 1, `second reader: ${body}`)
    assert.strictEqual(c2.size, later.length, 'nothing published in the gap reached the new channel')
    assert.strictEqual(total(cd), first.length + gap.length + later.length)
    writer.close()
    await h.closeReader(e2)
    await h.closeReader(durable)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})
