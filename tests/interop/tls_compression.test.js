'use strict'
// nsqjs over TLS (with and without certificate verification), snappy and
// deflate against caf-nsqd: every message published through the upgraded
// connections arrives exactly once. Certificates are made by the test.
const {test, before, after} = require('node:test')
const assert = require('node:assert')
const {execFileSync} = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const h = require('./lib/nsqd')

let pki

/** A CA and a server certificate for localhost / 127.0.0.1 signed by it. */
function makePki() {
  const dir = h.makeDataDir()
  const f = (name) => path.join(dir, name)
  const openssl = (...args) => execFileSync('openssl', args, {stdio: 'ignore', timeout: 30000})
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=interop-ca',
    '-keyout', f('ca.key'), '-out', f('ca.pem'))
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
    '-keyout', f('server.key'), '-out', f('server.csr'))
  fs.writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  openssl('x509', '-req', '-days', '2', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-extfile', f('server.ext'), '-out', f('server.pem'))
  return {dir, ca: fs.readFileSync(f('ca.pem')), cert: f('server.pem'), key: f('server.key')}
}

before(() => {
  pki = makePki()
})

after(() => {
  if (pki) h.removeDataDir(pki.dir)
})

const cases = [
  {name: 'tls without verification', flags: 'tls', options: () => ({tls: true, tlsVerification: false})},
  {name: 'tls verified against the test CA', flags: 'tls', options: () => ({tls: true, tlsVerification: true, ca: pki.ca})},
  {name: 'snappy', flags: 'plain', options: () => ({snappy: true})},
  {name: 'deflate', flags: 'plain', options: () => ({deflate: true, deflateLevel: 9})},
  {name: 'tls + snappy', flags: 'tls', options: () => ({tls: true, tlsVerification: false, snappy: true})},
  {name: 'tls + deflate', flags: 'tls', options: () => ({tls: true, tlsVerification: true, ca: pki.ca, deflate: true})},
]

for (const c of cases) {
  test(`nsqjs ${c.name}: publish and consume, counts checked`, {timeout: 60000}, async () => {
    // With TLS configured, plaintext is refused (--tls-required=true), so the
    // messages can only have travelled over TLS.
    const flags = c.flags === 'tls'
      ? [`--tls-cert=${pki.cert}`, `--tls-key=${pki.key}`, '--https-address=127.0.0.1:0', '--tls-required=true']
      : []
    const nsqd = await h.startNsqd(flags)
    try {
      const topic = `interop_${c.name.replace(/[^a-z]+/g, '_')}`
      const counts = new Map()
      const reader = await h.connectReader(nsqd, topic, 'ch', {maxInFlight: 50, ...c.options()})
      reader.on('message', (msg) => {
        const body = msg.body.toString()
        counts.set(body, (counts.get(body) || 0) + 1)
        msg.finish()
      })
      const writer = await h.connectWriter(nsqd, c.options())
      const singles = h.numbered('single-', 300)
      await Promise.all(singles.map((m) => h.publish(writer, topic, m)))
      // A large, compressible MPUB crosses several codec chunks.
      const batch = h.numbered('batch-' + 'x'.repeat(2000) + '-', 200)
      await h.publish(writer, topic, batch)
      const expected = [...singles, ...batch]
      await h.waitUntil(() => counts.size === expected.length, 30000, 'all messages consumed')
      await h.sleep(300) // nothing extra may follow
      for (const body of expected) assert.strictEqual(counts.get(body), 1, `count of ${body.slice(0, 20)}`)
      assert.strictEqual(counts.size, expected.length)
      assert.deepStrictEqual(reader.errors, [])
      const stats = await h.stats(nsqd).catch(() => null) // 403 on plain HTTP when TLS is required
      if (c.flags === 'plain') {
        const clients = stats.topics.find((t) => t.topic_name === topic).channels[0].clients
        assert.strictEqual(clients[0][c.options().snappy ? 'snappy' : 'deflate'], true)
      }
      writer.close()
      await h.closeReader(reader)
    } finally {
      assert.strictEqual(await nsqd.stop(), 0)
    }
  })
}

test('plain HTTP answers 403 TLS_REQUIRED with --tls-required=true', {timeout: 30000}, async () => {
  const nsqd = await h.startNsqd([`--tls-cert=${pki.cert}`, `--tls-key=${pki.key}`,
    '--https-address=127.0.0.1:0', '--tls-required=true'])
  try {
    const r = await h.httpRequest(nsqd, 'GET', '/ping')
    assert.strictEqual(r.status, 403)
    assert.match(r.text, /^\{"message": "TLS_REQUIRED", "https_port": \d+\}$/)
  } finally {
    assert.strictEqual(await nsqd.stop(), 0)
  }
})
