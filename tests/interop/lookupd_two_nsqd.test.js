'use strict'
// nsqjs discovering caf-nsqd through caf-nsqlookupd: a Reader given only
// `lookupdHTTPAddresses` finds both brokers that have its topic and receives
// every message published to either.
const {test} = require('node:test')
const assert = require('node:assert')
const nsq = require('nsqjs')
const h = require('./lib/nsqd')
const l = require('./lib/nsqlookupd')

test('a Reader with lookupdHTTPAddresses consumes a topic from two caf-nsqd', {timeout: 90000}, async () => {
  const lookupd = await l.startLookupd()
  const flags = [`--lookupd-tcp-address=${lookupd.tcpAddress}`, '--broadcast-address=127.0.0.1']
  const a = await h.startNsqd(flags)
  const b = await h.startNsqd(flags)
  let reader
  try {
    const topic = 'interop_lookupd'
    const perBroker = 2000
    for (const [name, nsqd] of [['a', a], ['b', b]]) {
      const writer = await h.connectWriter(nsqd)
      const bodies = h.numbered(`${name}-`, perBroker)
      for (let i = 0; i < bodies.length; i += 200) {
        await h.publish(writer, topic, bodies.slice(i, i + 200))
      }
      writer.close()
    }
    const producers = await l.waitForProducers(lookupd, topic, 2)
    const ports = producers.map((p) => p.tcp_port).sort()
    assert.deepStrictEqual(ports, [a.port, b.port].sort())
    for (const p of producers) assert.strictEqual(p.broadcast_address, '127.0.0.1')

    reader = new nsq.Reader(topic, 'ch', {lookupdHTTPAddresses: [lookupd.httpAddress], maxInFlight: 50})
    const seen = new Map()
    reader.on('message', (msg) => {
      const body = msg.body.toString()
      seen.set(body, (seen.get(body) || 0) + 1)
      msg.finish()
    })
    const errors = []
    reader.on('error', (err) => errors.push(String(err)))
    // nsqjs emits 'ready' only when its first connection is up alone; with
    // two nsqd found at once it may never fire: wait for the messages.
    reader.connect()
    await h.waitUntil(() => seen.size >= 2 * perBroker, 60000, `all ${2 * perBroker} messages`)
    for (const name of ['a', 'b']) {
      for (const body of h.numbered(`${name}-`, perBroker)) {
        assert.strictEqual(seen.get(body), 1, `${body} delivered once`)
      }
    }
    assert.deepStrictEqual(errors, [])
    // Both brokers registered the channel the Reader created with lookupd.
    const channels = await l.lookupdGet(lookupd, `/channels?topic=${topic}`)
    assert.deepStrictEqual(channels.json, {channels: ['ch']})
  } finally {
    if (reader) reader.close()
    assert.strictEqual(await a.stop(), 0)
    assert.strictEqual(await b.stop(), 0)
    assert.strictEqual(await lookupd.stop(), 0)
  }
})
