'use strict'
// nsqjs Reader requeueing with a delay and touching messages past their
// timeout, against caf-nsqd.
const {test} = require('node:test')
const assert = require('node:assert')
const h = require('./lib/nsqd')

test('requeue with delay redelivers each message once, with attempts 2', {timeout: 60000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    const seen = new Map() // body -> [{attempts, at}]
    const reader = await h.connectReader(nsqd, 'interop_req', 'ch', {maxInFlight: 25})
    reader.on('message', (msg) => {
      const body = msg.body.toString()
      const list = seen.get(body) || []
      list.push({attempts: msg.attempts, at: Date.now()})
      seen.set(body, list)
      if (msg.attempts === 1) msg.requeue(500, false)
      else msg.finish()
    })
    const writer = await h.connectWriter(nsqd)
    const bodies = h.numbered('req-', 1000)
    await h.publish(writer, 'interop_req', bodies)
    const done = () => [...seen.values()].filter((l) => l.length >= 2).length === bodies.length
    await h.waitUntil(done, 40000, 'every message delivered twice')
    await h.sleep(700) // a third delivery would show up now
    for (const body of bodies) {
      const list = seen.get(body)
      assert.strictEqual(list.length, 2, `deliveries of ${body}`)
      assert.deepStrictEqual(list.map((d) => d.attempts), [1, 2])
      assert.ok(list[1].at - list[0].at >= 450, `${body} waited for its requeue delay`)
    }
    assert.deepStrictEqual(reader.errors, [])
    writer.close()
    await h.closeReader(reader)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})

test('touch keeps messages in flight beyond the message timeout', {timeout: 60000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    const deliveries = new Map()
    // messageTimeout 1000 ms (the IDENTIFY minimum); each message is held 2.2 s.
    const reader = await h.connectReader(nsqd, 'interop_touch', 'ch', {
      maxInFlight: 20,
      messageTimeout: 1000,
    })
    reader.on('message', (msg) => {
      const body = msg.body.toString()
      deliveries.set(body, (deliveries.get(body) || 0) + 1)
      const touch = setInterval(() => msg.touch(), 400)
      setTimeout(() => {
        clearInterval(touch)
        msg.finish()
      }, 2200)
    })
    const writer = await h.connectWriter(nsqd)
    const bodies = h.numbered('touch-', 40)
    await h.publish(writer, 'interop_touch', bodies)
    await h.waitUntil(() => deliveries.size === bodies.length, 20000, 'all touched messages')
    await h.sleep(3000) // let the last ones be finished; redeliveries would show up
    for (const body of bodies) assert.strictEqual(deliveries.get(body), 1, `deliveries of ${body}`)
    assert.deepStrictEqual(reader.errors, [])
    writer.close()
    await h.closeReader(reader)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})

test('without touch a held message times out and comes back', {timeout: 30000}, async () => {
  const nsqd = await h.startNsqd(['--msg-timeout=1s'])
  try {
    const attempts = []
    const reader = await h.connectReader(nsqd, 'interop_timeout', 'ch', {maxInFlight: 2})
    reader.on('message', (msg) => {
      attempts.push(msg.attempts)
      if (msg.attempts >= 2) msg.finish() // the first delivery is left to time out
    })
    const writer = await h.connectWriter(nsqd)
    await h.publish(writer, 'interop_timeout', 'slow')
    await h.waitUntil(() => attempts.length === 2, 10000, 'redelivery after timeout')
    assert.deepStrictEqual(attempts, [1, 2])
    writer.close()
    await h.closeReader(reader)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})
