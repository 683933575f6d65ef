'use strict'
// Durability with the real Node.js client: 50,000 messages survive a restart
// of caf-nsqd on the same data directory (SIGTERM; SIGTERM with messages in
// flight and deferred; SIGKILL with --sync-every=1), and nsqjs consumes every
// one exactly once afterwards.
const {test} = require('node:test')
const assert = require('node:assert')
const h = require('./lib/nsqd')

const TOTAL = 50000
const BATCH = 1000 // messages per MPUB

/** Publishes `bodies` in MPUB batches on a fresh Writer. */
async function publishAll(nsqd, topic, bodies) {
  const writer = await h.connectWriter(nsqd)
  try {
    for (let i = 0; i < bodies.length; i += BATCH) await h.publish(writer, topic, bodies.slice(i, i + BATCH))
  } finally {
    writer.close()
  }
}

/**
 * Consumes `topic/channel` with nsqjs, finishing every message, until
 * `expected` arrived (bounded), then listens a little longer for duplicates.
 */
async function consumeAll(nsqd, topic, channel, expected) {
  const counts = new Map() // body -> deliveries
  const attempts = new Map() // body -> attempts of the last delivery
  let total = 0
  const reader = await h.connectReader(nsqd, topic, channel, {maxInFlight: 1000})
  reader.on('message', (msg) => {
    const body = msg.body.toString()
    counts.set(body, (counts.get(body) || 0) + 1)
    attempts.set(body, msg.attempts)
    total++
    msg.finish()
  })
  try {
    // Until all arrived, or nothing arrived for 10 s (then the caller reports
    // what is missing), or 90 s in all.
    const start = Date.now()
    let seen = -1
    let progressAt = Date.now()
    while (total < expected && Date.now() - progressAt < 10000 && Date.now() - start < 90000) {
      if (total !== seen) [seen, progressAt] = [total, Date.now()]
      await h.sleep(50)
    }
    await h.sleep(500) // a duplicate would show up now
    assert.deepStrictEqual(reader.errors, [])
  } finally {
    await h.closeReader(reader)
  }
  return {counts, attempts, total}
}

/** Asserts every body was delivered exactly once and nothing else was. */
function assertExactlyOnce(got, bodies) {
  const missing = bodies.filter((b) => !got.counts.has(b))
  const duplicated = [...got.counts].filter(([, n]) => n > 1).map(([b]) => b)
  const wanted = new Set(bodies)
  const unknown = [...got.counts.keys()].filter((b) => !wanted.has(b))
  assert.deepStrictEqual(
    {missing: missing.length, duplicated: duplicated.length, unknown: unknown.length},
    {missing: 0, duplicated: 0, unknown: 0},
    `first missing ${missing.slice(0, 5)}; first duplicated ${duplicated.slice(0, 5)}; first unknown ${unknown.slice(0, 5)}`
  )
  assert.strictEqual(got.total, bodies.length)
}

/** Runs `body(dataPath)` with a fresh data directory, removed afterwards. */
async function withDataDir(body) {
  const dataPath = h.makeDataDir()
  try {
    await body(dataPath)
  } finally {
    h.removeDataDir(dataPath)
  }
}

test('50,000 messages without a consumer survive SIGTERM with --mem-queue-size=100', {timeout: 150000}, () =>
  withDataDir(async (dataPath) => {
    const flags = ['--mem-queue-size=100']
    const bodies = h.numbered('term-', TOTAL)
    const first = await h.startNsqd(flags, {dataPath})
    let firstExit
    try {
      await publishAll(first, 'dur_term', bodies)
    } finally {
      firstExit = await first.stop() // an error thrown above stays the one reported
    }
    assert.strictEqual(firstExit, 0, first.log())
    const second = await h.startNsqd(flags, {dataPath})
    let secondExit
    try {
      const got = await consumeAll(second, 'dur_term', 'ch', TOTAL)
      assertExactlyOnce(got, bodies)
      for (const [body, a] of got.attempts) assert.strictEqual(a, 1, `attempts of ${body}`)
    } finally {
      secondExit = await second.stop() // an error thrown above stays the one reported
    }
    assert.strictEqual(secondExit, 0, second.log())
  })
)

test('50,000 messages with 500 in flight and 200 deferred survive SIGTERM', {timeout: 150000}, () =>
  withDataDir(async (dataPath) => {
    const flags = ['--mem-queue-size=100', '--msg-timeout=60s']
    const held = 500
    const deferred = h.numbered('defer-', 200)
    const queued = h.numbered('queued-', TOTAL - deferred.length)
    const heldBodies = new Set()
    const first = await h.startNsqd(flags, {dataPath})
    let holder
    let firstExit
    try {
      // A consumer that never finishes: its 500 messages are in flight at shutdown.
      holder = await h.connectReader(first, 'dur_flight', 'ch', {maxInFlight: held})
      holder.on('message', (msg) => heldBodies.add(msg.body.toString()))
      await publishAll(first, 'dur_flight', queued)
      await h.waitUntil(() => heldBodies.size === held, 20000, `${held} messages in flight`)
      const writer = await h.connectWriter(first)
      for (const body of deferred) await h.deferPublish(writer, 'dur_flight', body, 3000)
      writer.close()
      // Like nsqd, a DPUB queues behind the topic's disk backlog: the channel
      // defers it only once the backlog has moved on, so wait for that.
      const c = await h.waitForChannel(first, 'dur_flight', 'ch', (x) => x && x.deferred_count === deferred.length)
      assert.strictEqual(c.in_flight_count, held)
      assert.strictEqual(c.deferred_count, deferred.length)
    } finally {
      firstExit = await first.stop()
      if (holder) holder.close() // no reconnects to the stopped server
    }
    assert.strictEqual(firstExit, 0, first.log())
    const second = await h.startNsqd(flags, {dataPath})
    let secondExit
    try {
      const got = await consumeAll(second, 'dur_flight', 'ch', TOTAL)
      assertExactlyOnce(got, [...queued, ...deferred])
      // Delivered once before the restart: attempts 2 now; the rest 1.
      for (const body of heldBodies) assert.strictEqual(got.attempts.get(body), 2, `attempts of held ${body}`)
      const firstTimers = [...got.attempts].filter(([b]) => !heldBodies.has(b))
      for (const [body, a] of firstTimers) assert.strictEqual(a, 1, `attempts of ${body}`)
    } finally {
      secondExit = await second.stop() // an error thrown above stays the one reported
    }
    assert.strictEqual(secondExit, 0, second.log())
  })
)

test('50,000 messages without a consumer survive SIGKILL with --sync-every=1', {timeout: 150000}, () =>
  withDataDir(async (dataPath) => {
    const flags = ['--mem-queue-size=100', '--sync-every=1']
    const bodies = h.numbered('kill-', TOTAL)
    const first = await h.startNsqd(flags, {dataPath})
    try {
      await publishAll(first, 'dur_kill', bodies)
    } finally {
      await first.kill()
    }
    // The crash is what is tested; the restart syncs at the default pace
    // (--sync-every=1 also fsyncs after every read, which makes draining slow).
    const second = await h.startNsqd(['--mem-queue-size=100'], {dataPath})
    let secondExit
    try {
      const got = await consumeAll(second, 'dur_kill', 'ch', TOTAL)
      assertExactlyOnce(got, bodies)
    } finally {
      secondExit = await second.stop() // an error thrown above stays the one reported
    }
    assert.strictEqual(secondExit, 0, second.log())
  })
)
