'use strict'
// HTTP API interop: publish over HTTP and consume with an nsqjs Reader; publish
// with an nsqjs Writer and watch the figures through HTTP /stats.
const {test} = require('node:test')
const assert = require('node:assert')
const h = require('./lib/nsqd')

async function http(nsqd, method, path, body) {
  const res = await fetch(`http://127.0.0.1:${nsqd.httpPort}${path}`, {
    method,
    body,
    signal: AbortSignal.timeout(10000),
  })
  return {status: res.status, text: await res.text()}
}

test('HTTP /pub and /mpub are consumed by an nsqjs Reader', {timeout: 60000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    assert.ok(nsqd.httpPort > 0, 'HTTP port logged')
    const reader = await h.connectReader(nsqd, 'interop_http', 'ch', {maxInFlight: 50})
    const got = []
    reader.on('message', (msg) => {
      got.push(msg.body.toString())
      msg.finish()
    })
    assert.deepStrictEqual(await http(nsqd, 'POST', '/pub?topic=interop_http', 'one'), {
      status: 200,
      text: 'OK',
    })
    const bodies = h.numbered('http-', 100)
    const r = await http(nsqd, 'POST', '/mpub?topic=interop_http', bodies.join('\n') + '\n')
    assert.strictEqual(r.status, 200)
    await h.waitUntil(() => got.length >= 101, 20000, 'all HTTP messages consumed')
    assert.deepStrictEqual(got.slice().sort(), ['one', ...bodies].sort())
    await h.closeReader(reader)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})

test('an nsqjs Writer publishes; HTTP /stats reports it', {timeout: 60000}, async () => {
  const nsqd = await h.startNsqd()
  try {
    assert.strictEqual((await http(nsqd, 'POST', '/channel/create?topic=interop_stats&channel=c', '')).status, 404)
    assert.strictEqual((await http(nsqd, 'POST', '/topic/create?topic=interop_stats', '')).status, 200)
    assert.strictEqual((await http(nsqd, 'POST', '/channel/create?topic=interop_stats&channel=c', '')).status, 200)
    const writer = await h.connectWriter(nsqd)
    await h.publish(writer, 'interop_stats', h.numbered('w-', 25))
    const s = JSON.parse((await http(nsqd, 'GET', '/stats?format=json&topic=interop_stats')).text)
    assert.strictEqual(s.topics[0].message_count, 25)
    assert.strictEqual(s.topics[0].channels[0].depth, 25)
    assert.strictEqual(s.producers.length, 1)
    assert.ok(s.producers[0].user_agent.startsWith('nsqjs/'), s.producers[0].user_agent)
    assert.deepStrictEqual(s.producers[0].pub_counts, [{topic: 'interop_stats', count: 25}])
    const reader = await h.connectReader(nsqd, 'interop_stats', 'c', {maxInFlight: 25})
    let n = 0
    reader.on('message', (msg) => {
      n++
      msg.finish()
    })
    await h.waitUntil(() => n >= 25, 20000, 'backlog consumed')
    writer.close()
    await h.closeReader(reader)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})
