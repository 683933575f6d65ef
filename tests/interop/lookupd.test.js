'use strict'
// nsqjs (a real consumer library) discovering nsqd through caf-nsqlookupd:
// it reads /lookup's producers and connects to broadcast_address:tcp_port.
// A fake nsqd (a bare TCP listener) registered over the V1 protocol records
// the connection, so the test needs no caf-nsqd.
const {test} = require('node:test')
const assert = require('node:assert')
const {spawn} = require('node:child_process')
const net = require('node:net')
const nsq = require('nsqjs')
const h = require('./lib/nsqd')
const l = require('./lib/nsqlookupd')

/** Registers `topic` for an nsqd at 127.0.0.1:tcpPort; keeps the socket open. */
function registerFakeNsqd(lookupdTcp, tcpPort, topic) {
  const sock = net.connect(lookupdTcp, '127.0.0.1')
  const body = JSON.stringify({
    broadcast_address: '127.0.0.1',
    hostname: 'fake',
    http_port: 1,
    tcp_port: tcpPort,
    version: '1.3.0',
  })
  const size = Buffer.alloc(4)
  size.writeInt32BE(Buffer.byteLength(body))
  let got = Buffer.alloc(0)
  return new Promise((resolve, reject) => {
    sock.on('error', reject)
    sock.on('data', (chunk) => {
      got = Buffer.concat([got, chunk])
      // IDENTIFY's JSON answer, then OK for REGISTER.
      if (got.toString().endsWith('OK')) resolve(sock)
    })
    sock.write(Buffer.concat([Buffer.from('  V1IDENTIFY\n'), size, Buffer.from(body), Buffer.from(`REGISTER ${topic}\n`)]))
  })
}

test('nsqjs Reader finds the registered nsqd through /lookup', {timeout: 30000}, async () => {
  const lookupd = await l.startLookupd()
  let connected
  const magic = new Promise((resolve) => (connected = resolve))
  const fake = net.createServer((s) => s.once('data', (d) => connected(d.subarray(0, 4).toString())))
  await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve))
  const reg = await registerFakeNsqd(lookupd.tcpPort, fake.address().port, 'interop_lookup')
  const reader = new nsq.Reader('interop_lookup', 'ch', {
    lookupdHTTPAddresses: [lookupd.httpAddress],
    lookupdPollInterval: 1,
  })
  reader.on('error', () => {})
  reader.connect()
  try {
    assert.strictEqual(await h.withTimeout(magic, 10000, 'nsqjs connecting to the fake nsqd'), '  V2')
  } finally {
    reader.close()
    reg.destroy()
    fake.close()
    await lookupd.stop()
  }
})
