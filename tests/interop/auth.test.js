'use strict'
// nsqjs with authSecret against caf-nsqd and a small HTTP auth server
// started here: a Writer and a Reader authenticate, publish and consume with
// counts checked; a 1 s ttl makes the broker ask the auth server again; a
// secret the server refuses gets E_AUTH_FAILED.
const {test} = require('node:test')
const assert = require('node:assert')
const http = require('node:http')
const {once} = require('node:events')
const nsq = require('nsqjs')
const h = require('./lib/nsqd')

/** Starts the auth server; `grants` maps a secret to its answer body. */
async function startAuthServer(grants) {
  const requests = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    requests.push({path: url.pathname, query: Object.fromEntries(url.searchParams)})
    const grant = grants[url.searchParams.get('secret')]
    if (!grant) {
      res.writeHead(403, {'Content-Type': 'application/json'})
      return res.end('{"message":"denied"}')
    }
    res.writeHead(200, {'Content-Type': 'application/json'})
    res.end(JSON.stringify(grant))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {server, requests, address: `127.0.0.1:${server.address().port}`}
}

const producer = {
  ttl: 1,
  identity: 'producer',
  identity_url: 'https://id.example/producer',
  authorizations: [{topic: '^interop_auth$', channels: ['.*'], permissions: ['publish']}],
}
const consumer = {
  ttl: 3600,
  identity: 'consumer',
  authorizations: [{topic: '^interop_auth', channels: ['^ch$'], permissions: ['subscribe']}],
}

test('nsqjs with authSecret publishes and consumes; ttl expiry re-asks', {timeout: 60000}, async () => {
  const auth = await startAuthServer({p: producer, c: consumer})
  const nsqd = await h.startNsqd([`--auth-http-address=${auth.address}`])
  try {
    const counts = new Map()
    const reader = await h.connectReader(nsqd, 'interop_auth', 'ch', {authSecret: 'c', maxInFlight: 20})
    reader.on('message', (msg) => {
      const body = msg.body.toString()
      counts.set(body, (counts.get(body) || 0) + 1)
      msg.finish()
    })
    const writer = await h.connectWriter(nsqd, {authSecret: 'p'})
    const first = h.numbered('a-', 200)
    await Promise.all(first.map((m) => h.publish(writer, 'interop_auth', m)))
    await h.publish(writer, 'interop_auth', h.numbered('b-', 100))
    const before = auth.requests.length
    assert.strictEqual(before, 2, 'one AUTH query per connection')
    await h.sleep(1200) // the producer's 1 s grant expires
    await h.publish(writer, 'interop_auth', 'c-after-ttl')
    assert.strictEqual(auth.requests.length, 3, 're-asked after the ttl')
    const expected = [...first, ...h.numbered('b-', 100), 'c-after-ttl']
    await h.waitUntil(() => counts.size === expected.length, 20000, 'all messages consumed')
    await h.sleep(300)
    for (const body of expected) assert.strictEqual(counts.get(body), 1, `count of ${body}`)
    for (const r of auth.requests) {
      assert.strictEqual(r.path, '/auth')
      assert.deepStrictEqual(Object.keys(r.query), ['common_name', 'remote_ip', 'secret', 'tls'])
      assert.strictEqual(r.query.remote_ip, '127.0.0.1')
      assert.strictEqual(r.query.tls, 'false')
    }
    assert.deepStrictEqual(reader.errors, [])
    writer.close()
    await h.closeReader(reader)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
    auth.server.close()
  }
})

test('nsqjs with a refused secret gets E_AUTH_FAILED', {timeout: 30000}, async () => {
  const auth = await startAuthServer({})
  const nsqd = await h.startNsqd([`--auth-http-address=${auth.address}`])
  try {
    const writer = new nsq.Writer(nsqd.host, nsqd.port, {authSecret: 'nope'})
    const failed = new Promise((resolve) => writer.on('error', resolve))
    writer.connect()
    const err = await Promise.race([failed, h.sleep(10000).then(() => null)])
    assert.ok(err, 'an error within 10 s')
    assert.match(String(err), /E_AUTH_FAILED/)
    writer.close()
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
    auth.server.close()
  }
})
