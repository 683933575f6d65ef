'use strict'
// What both crash harnesses (soak.js, cluster_soak.js) share: a seeded PRNG
// and nsqjs Writers that may lose their broker at any moment.
const nsq = require('nsqjs')

/**
 * A seeded PRNG (mulberry32): a failing run can be replayed with SOAK_SEED.
 * Returns {initialSeed, random}, `random()` in [0, 1).
 */
function seededRandom() {
  let seed = Number(process.env.SOAK_SEED || Date.now() % 1e9)
  const initialSeed = seed
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {initialSeed, random}
}

/**
 * Connects an nsqjs Writer to 127.0.0.1:`port`; resolves to {writer,
 * isOpen()} once it is ready, or null when the connection failed.
 */
async function openWriter(port) {
  const writer = new nsq.Writer('127.0.0.1', port)
  writer.on('error', () => {})
  const up = await new Promise((resolve) => {
    writer.once('ready', () => resolve(true))
    writer.once('closed', () => resolve(false))
    writer.connect()
  })
  let open = up
  writer.once('closed', () => (open = false))
  return up ? {writer, isOpen: () => open} : null
}

/** Publishes `batch` (PUB for one body, else MPUB); resolves to whether it was acknowledged. */
function publishBatch(writer, topic, batch) {
  return new Promise((resolve) => {
    try {
      writer.publish(topic, batch.length === 1 ? batch[0] : batch, (err) => resolve(!err))
    } catch {
      resolve(false)
    }
  })
}

/** Closes a Writer that may already be gone. */
function closeWriter(writer) {
  try {
    writer.close()
  } catch {}
}

module.exports = {seededRandom, openWriter, publishBatch, closeWriter}
