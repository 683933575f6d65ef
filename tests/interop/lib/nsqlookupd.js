'use strict'
// Starts and stops the real caf-nsqlookupd binary for the interop tests. The
// ports are learned from its `TCP: listening on` / `HTTP: listening on` log
// lines, never guessed. Every wait is bounded.
const {spawn} = require('node:child_process')
const {withTimeout, sleep} = require('./nsqd')

const TCP_LISTENING = /TCP: listening on 127\.0\.0\.1:(\d+)/
const HTTP_LISTENING = /HTTP: listening on 127\.0\.0\.1:(\d+)/

/** Starts caf-nsqlookupd on free loopback ports; resolves once both listen. */
async function startLookupd(flags = []) {
  const binary = process.env.NSQLOOKUPD_BINARY
  if (!binary) throw new Error('NSQLOOKUPD_BINARY is not set')
  const child = spawn(binary, ['--tcp-address=127.0.0.1:0', '--http-address=127.0.0.1:0', ...flags], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  let exited = null
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = code === null ? 128 : code
      resolve({code, signal})
    })
  )
  const ports = await withTimeout(
    new Promise((resolve, reject) => {
      child.stderr.on('data', (chunk) => {
        log += chunk
        const tcp = TCP_LISTENING.exec(log)
        const http = HTTP_LISTENING.exec(log)
        if (tcp && http) resolve({tcp: Number(tcp[1]), http: Number(http[1])})
      })
      exit.then(() => reject(new Error(`caf-nsqlookupd exited before listening:\n${log}`)))
      child.on('error', reject)
    }),
    10000,
    'caf-nsqlookupd listening lines'
  ).catch((err) => {
    child.kill('SIGKILL')
    throw err
  })
  return {
    tcpPort: ports.tcp,
    httpPort: ports.http,
    tcpAddress: `127.0.0.1:${ports.tcp}`,
    httpAddress: `127.0.0.1:${ports.http}`,
    log: () => log,
    /** SIGTERM, then the exit code (SIGKILL and a rejection after 5 s). */
    async stop() {
      if (exited !== null) return exited
      child.kill('SIGTERM')
      try {
        const {code, signal} = await withTimeout(exit, 5000, 'caf-nsqlookupd exit')
        return code === null ? `signal ${signal}` : code
      } catch (err) {
        child.kill('SIGKILL')
        throw err
      }
    },
  }
}

/** GET on the lookupd's HTTP API; resolves to {status, json}. */
async function lookupdGet(lookupd, urlPath) {
  const res = await withTimeout(fetch(`http://${lookupd.httpAddress}${urlPath}`), 10000, `GET ${urlPath}`)
  const text = await res.text()
  return {status: res.status, json: text ? JSON.parse(text) : null}
}

/** Polls `/lookup?topic=` until `n` producers are registered (bounded by `ms`). */
async function waitForProducers(lookupd, topic, n, ms = 15000) {
  const deadline = Date.now() + ms
  for (;;) {
    const r = await lookupdGet(lookupd, `/lookup?topic=${encodeURIComponent(topic)}`)
    const producers = r.status === 200 && r.json ? r.json.producers || [] : []
    if (producers.length >= n) return producers
    if (Date.now() > deadline) {
      throw new Error(`${topic}: ${producers.length} of ${n} producers within ${ms} ms`)
    }
    await sleep(50)
  }
}

module.exports = {startLookupd, lookupdGet, waitForProducers}
