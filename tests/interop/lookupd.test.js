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

const binary = process.env.NSQLOOKUPD_BINARY

/** Starts caf-nsqlookupd on free ports; resolves with {tcp, http, stop}. */
function startLookupd() {
  const child = spawn(binary, ['--tcp-address=127.0.0.1:0', '--http-address=127.0.0.1:0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ports in:\n${log}`)), 10000)
    child.stderr.on('data', (chunk) => {
      log += chunk
      const tcp = /TCP: listening on 127\.0\.0\.1:(\d+)/.exec(log)
      const http = /HTTP: listening on 127\.0\.0\.1:(\d+)/.exec(log)
      if (tcp && http) {
        clearTimeout(timer)
        resolve({tcp: Number(tcp[1]), http: Number(http[1]), stop: () => child.kill('SIGTERM')})
      }
    })
  })
}

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

test('nsqjs Reader finds the registered nsqd through /lookup', {skip: !binary}, async () => {
  const lookupd = await startLookupd()
  let connected
  const magic = new Promise((resolve) => (connected = resolve))
  const fake = net.createServer((s) => s.once('data', (d) => connected(d.subarray(0, 4).toString())))
  await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve))
  const reg = await registerFakeNsqd(lookupd.tcp, fake.address().port, 'interop_lookup')
  const reader = new nsq.Reader('interop_lookup', 'ch', {
    lookupdHTTPAddresses: [`127.0.0.1:${lookupd.http}`],
    lookupdPollInterval: 1,
  })
  reader.on('error', () => {})
  reader.connect()
  try {
    let timer
    const timeout = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('nsqjs never connected')), 10000)
    })
    assert.strictEqual(await Promise.race([magic, timeout]).finally(() => clearTimeout(timer)), '  V2')
  } finally {
    reader.close()
    reg.destroy()
    fake.close()
    lookupd.stop()
  }
})
