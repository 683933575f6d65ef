'use strict'
// Starts and stops the real caf-nsqd binary for the interop tests, and small
// promise helpers around nsqjs. Every wait is bounded.
const {spawn} = require('node:child_process')
const {once} = require('node:events')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const nsq = require('nsqjs')

const LISTENING = /TCP: listening on 127\.0\.0\.1:(\d+)\r?\n/

/** Rejects with `what` when `promise` has not settled within `ms`. */
function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Returns a fresh private data directory (for servers restarted on it). */
function makeDataDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'caf-nsqd-interop-'))
}

/** Removes a directory made by `makeDataDir` and everything in it. */
function removeDataDir(dir) {
  fs.rmSync(dir, {recursive: true, force: true})
}

/**
 * Starts caf-nsqd on a free loopback port (port 0) and learns the port from
 * the `TCP: listening on` line of its stderr. With `options.dataPath` the
 * server uses that directory and leaves it in place when it exits (for a
 * restart); otherwise it gets a private one, removed at exit.
 */
async function startNsqd(flags = [], options = {}) {
  const binary = process.env.NSQD_BINARY
  if (!binary) throw new Error('NSQD_BINARY is not set')
  // A private data directory: the server locks its data path.
  const ownsDataPath = !options.dataPath
  const dataPath = options.dataPath || makeDataDir()
  // A free HTTP port too (nsqd's default 0.0.0.0:4151 would collide).
  const httpFlag = flags.some((f) => f.startsWith('--http-address')) ? [] : ['--http-address=127.0.0.1:0']
  const child = spawn(binary, ['--tcp-address=127.0.0.1:0', `--data-path=${dataPath}`, ...httpFlag, ...flags], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  let exited = null
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = code === null ? 128 : code
      if (ownsDataPath) removeDataDir(dataPath)
      resolve({code, signal})
    })
  )
  // Keep draining stderr for the whole life of the process.
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      child.stderr.on('data', (chunk) => {
        log += chunk
        const m = LISTENING.exec(log)
        if (m) resolve(Number(m[1]))
      })
      exit.then(() => reject(new Error(`caf-nsqd exited before listening:\n${log}`)))
      child.on('error', reject)
    }),
    10000,
    'caf-nsqd listening line'
  ).catch((err) => {
    child.kill('SIGKILL')
    throw err
  })

  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    /** The HTTP port (logged before the TCP line), or 0 when disabled. */
    httpPort: (() => {
      const m = /HTTP: listening on 127\.0\.0\.1:(\d+)/.exec(log)
      return m ? Number(m[1]) : 0
    })(),
    pid: child.pid,
    dataPath,
    log: () => log,
    /** The exit code (128 after a signal), or null while it runs. */
    exitCode: () => exited,
    /** SIGKILL (nothing persisted at exit); resolves once the process is gone. */
    async kill() {
      if (exited !== null) return exited
      child.kill('SIGKILL')
      await withTimeout(exit, 5000, 'caf-nsqd exit after SIGKILL')
      return exited
    },
    /** SIGTERM, then the exit code (SIGKILL and a rejection after 5 s). */
    async stop() {
      if (exited !== null) return exited
      child.kill('SIGTERM')
      try {
        const {code, signal} = await withTimeout(exit, 5000, 'caf-nsqd exit after SIGTERM')
        return code === null ? `signal ${signal}` : code
      } catch (err) {
        child.kill('SIGKILL')
        throw err
      }
    },
  }
}

/** Returns a connected nsqjs Writer. */
async function connectWriter(nsqd, options = {}) {
  const writer = new nsq.Writer(nsqd.host, nsqd.port, options)
  const ready = once(writer, 'ready')
  writer.connect()
  await withTimeout(ready, 5000, 'Writer ready')
  return writer
}

/** Promisified `writer.publish` (single message or array = MPUB). */
function publish(writer, topic, msgs) {
  return withTimeout(
    new Promise((resolve, reject) =>
      writer.publish(topic, msgs, (err) => (err ? reject(err) : resolve()))
    ),
    10000,
    `publish to ${topic}`
  )
}

/**
 * Promisified `writer.deferPublish`. nsqjs 0.13.0 needs the single message
 * wrapped in an array (as in its README): a bare string throws.
 */
function deferPublish(writer, topic, msg, ms) {
  return withTimeout(
    new Promise((resolve, reject) =>
      writer.deferPublish(topic, [msg], ms, (err) => (err ? reject(err) : resolve()))
    ),
    10000,
    `deferPublish to ${topic}`
  )
}

/**
 * Returns a Reader that has subscribed (SUB answered OK). Errors reported by
 * the Reader are collected in `reader.errors`.
 */
async function connectReader(nsqd, topic, channel, options = {}) {
  const reader = new nsq.Reader(topic, channel, {
    nsqdTCPAddresses: [nsqd.address],
    maxInFlight: 10,
    ...options,
  })
  reader.errors = []
  reader.on('error', (err) => reader.errors.push(String(err)))
  const ready = once(reader, 'ready')
  reader.connect()
  await withTimeout(ready, 5000, `Reader ${topic}/${channel} ready`)
  return reader
}

/** Closes a Reader and waits (bounded) until its connection is closed. */
async function closeReader(reader) {
  const closed = once(reader, 'nsqd_closed')
  reader.close()
  await withTimeout(closed, 5000, 'Reader close')
}

/**
 * Closes `readers` and stops `servers` (each may be undefined), never
 * throwing: for `finally` blocks, where a throw would hide the test's own
 * error and a server left running would keep the test process alive.
 */
async function cleanUp(readers, servers) {
  for (const reader of readers) {
    if (reader) await closeReader(reader).catch((err) => console.error(`clean-up: ${err.message}`))
  }
  for (const server of servers) {
    if (server) await server.stop().catch((err) => console.error(`clean-up: ${err.message}`))
  }
}

/** Returns `err` with the tail of each named server's log appended. */
function withLogs(err, servers) {
  if (!(err instanceof Error)) return err
  for (const [name, server] of Object.entries(servers)) {
    if (server) err.message += `\n--- ${name}'s log (tail) ---\n${server.log().slice(-4000)}`
  }
  return err
}

/** Resolves when `predicate()` holds, polling every 20 ms, bounded by `ms`. */
function waitUntil(predicate, ms, what) {
  let timedOut = false // stops the polling, which would keep node alive forever
  return withTimeout(
    new Promise((resolve) => {
      const tick = () => (predicate() ? resolve() : timedOut || setTimeout(tick, 20))
      tick()
    }),
    ms,
    what
  ).catch((err) => {
    timedOut = true
    throw err
  })
}

/** One HTTP request to the server's HTTP port; resolves to {status, text}. */
async function httpRequest(nsqd, method, urlPath, body) {
  const res = await withTimeout(
    fetch(`http://127.0.0.1:${nsqd.httpPort}${urlPath}`, {method, body}),
    10000,
    `${method} ${urlPath}`
  )
  return {status: res.status, text: await res.text()}
}

/** `GET /stats?format=json`, parsed. */
async function stats(nsqd) {
  const r = await httpRequest(nsqd, 'GET', '/stats?format=json')
  if (r.status !== 200) throw new Error(`/stats answered ${r.status}: ${r.text}`)
  return JSON.parse(r.text)
}

/** Returns the channel's /stats object, or undefined if it does not exist. */
async function channelStats(nsqd, topic, channel) {
  const s = await stats(nsqd)
  const t = (s.topics || []).find((x) => x.topic_name === topic)
  return t && (t.channels || []).find((c) => c.channel_name === channel)
}

/**
 * Polls the channel's /stats (every 50 ms, bounded by `ms`) until
 * `ready(channelOrUndefined)` holds; returns what it saw last.
 */
async function waitForChannel(nsqd, topic, channel, ready, ms = 30000) {
  const deadline = Date.now() + ms
  for (;;) {
    const c = await channelStats(nsqd, topic, channel)
    if (ready(c)) return c
    if (Date.now() > deadline) {
      throw new Error(`${topic}/${channel} not as expected within ${ms} ms: ${JSON.stringify(c)}`)
    }
    await sleep(50)
  }
}

/** Returns a `kB` field (`VmRSS`, `VmHWM`, ...) of /proc/<pid>/status, or null. */
function procStatusKb(pid, field) {
  let text
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return null
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)
  return m ? Number(m[1]) : null
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Returns `[prefix0, prefix1, ...]`. */
function numbered(prefix, n) {
  return Array.from({length: n}, (_, i) => `${prefix}${i}`)
}

module.exports = {
  startNsqd,
  makeDataDir,
  removeDataDir,
  httpRequest,
  stats,
  channelStats,
  waitForChannel,
  procStatusKb,
  connectWriter,
  connectReader,
  closeReader,
  publish,
  deferPublish,
  waitUntil,
  cleanUp,
  withLogs,
  withTimeout,
  sleep,
  numbered,
}
