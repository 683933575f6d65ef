'use strict'
// Cluster crash harness (issue 12, docs/cluster.md "Failure"). Three members
// A, B, C, each with --mem-queue-size=0 --sync-every=1, each its own data
// directory. nsqjs Writers publish to every member; Readers consume channel
// `ch` through C and through A (one channel, shared cluster-wide) and channel
// `c2` through B. Meanwhile a member (one time in five two at once) is
// SIGKILLed (or, 30 % of the time, SIGTERMed) and restarted on the same
// ports and data, or (one time in five) frozen for 0.5-3 s. At the end it proves:
//   * every message acknowledged to a publisher was FINed on both channels
//     (the owner keeps it on disk; the sessions attach again after a
//     restart without a client reconnect, or the Reader reconnects);
//   * the members' channels end empty (nothing left in flight or queued);
//   * no member exited on its own, and every SIGTERM exited 0.
// A FINed message may come back in this harness: a FIN crosses a member
// that may die before passing it on, and FINs are not journaled. Counted.
// Usage: node cluster_soak.js <seconds>   (env: NSQD_BINARY, SOAK_SEED,
//        CLUSTER_SOAK_TLS=1 for TLS between the members)
const {execFileSync} = require('node:child_process')
const nsq = require('nsqjs')
const {seededRandom, openWriter, publishBatch, closeWriter} = require('./common')
const h = require('../../tests/interop/lib/nsqd')
const {startNode, waitForAlive} = require('../../tests/interop/lib/cluster')

const seconds = Number(process.argv[2] || 60)
const TOPIC = 'cluster_soak'
const CHANNELS = ['ch', 'c2']
// A frozen member is dropped after 1 s.
const DURABLE = ['--mem-queue-size=0', '--sync-every=1', '--cluster-timeout=1s']
// CLUSTER_SOAK_TLS=1: the members talk TLS (caf_openssl), one certificate
// from a throw-away CA for all three.
const tlsDir = process.env.CLUSTER_SOAK_TLS === '1' ? makeClusterCertificates() : null
if (tlsDir) {
  DURABLE.push(`--cluster-tls-cert=${tlsDir}/member.pem`, `--cluster-tls-key=${tlsDir}/member.key`,
    `--cluster-tls-ca=${tlsDir}/ca.pem`)
}

/** A CA and a member certificate it signed, made with the openssl CLI; returns their directory. */
function makeClusterCertificates() {
  const dir = h.makeDataDir()
  const openssl = (args) => execFileSync('openssl', args, {cwd: dir, stdio: 'ignore'})
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=soak-ca'])
  openssl(['req', ...ec, '-keyout', 'member.key', '-out', 'member.csr', '-subj', '/CN=member'])
  openssl(['x509', '-req', '-in', 'member.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'member.pem', '-days', '2'])
  return dir
}

const {initialSeed, random} = seededRandom()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const t0 = Date.now()
const log = (...args) => console.log(`[cluster-soak +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args)

const acked = new Set() // bodies acknowledged to a publisher
const finned = new Map(CHANNELS.map((c) => [c, new Set()]))
const counters = {published: 0, pubFailed: 0, delivered: 0, finnedBack: 0, kills: 0, terms: 0, freezes: 0}
const badExits = [] // a member that exited on its own, a SIGTERM that did not exit 0

// --- the members ------------------------------------------------------------------
// Each: {name, dataPath, node (running or dead), ports once first started}.
const members = ['A', 'B', 'C'].map((name) => ({name, dataPath: h.makeDataDir(), node: null}))

function peerFlags(member) {
  return members
    .filter((m) => m !== member && m.clusterPort)
    .map((m) => `--cluster-peer=127.0.0.1:${m.clusterPort}`)
}

/** Starts `member`: on port 0 the first time, on its own ports afterwards. */
async function start(member) {
  const fixed = member.clusterPort
    ? [`--tcp-address=127.0.0.1:${member.tcpPort}`, `--http-address=127.0.0.1:${member.httpPort}`]
    : []
  const node = await startNode(null, [...DURABLE, ...fixed, ...peerFlags(member)], {
    dataPath: member.dataPath,
    clusterPort: member.clusterPort,
  })
  if (tlsDir && !/CLUSTER: listening on .* \(TLS\)/.test(node.log())) throw new Error(`${member.name} is not on TLS`)
  Object.assign(member, {node, clusterPort: node.clusterPort, tcpPort: node.port, httpPort: node.httpPort})
  return node
}

// --- producers: one per member, reconnecting after its restarts ----------------------
let producing = true
let seq = 0

async function producer(member) {
  while (producing) {
    const conn = await openWriter(member.tcpPort)
    while (producing && conn && conn.isOpen()) {
      const batch = Array.from({length: random() < 0.5 ? 1 : 10}, () => `${member.name}:${++seq}`)
      if (await publishBatch(conn.writer, TOPIC, batch)) {
        for (const b of batch) acked.add(b)
        counters.published += batch.length
      } else counters.pubFailed += batch.length
      await sleep(5 + random() * 15)
    }
    if (conn) closeWriter(conn.writer)
    await sleep(200)
  }
}

// --- consumers ----------------------------------------------------------------------
function startReader(member, channel) {
  const reader = new nsq.Reader(TOPIC, channel, {
    nsqdTCPAddresses: [`127.0.0.1:${member.tcpPort}`],
    maxInFlight: 20,
    lookupdPollInterval: 1, // reconnects to a restarted member within a second
    lookupdPollJitter: 0.1,
  })
  reader.on('error', () => {})
  reader.on('message', (msg) => {
    const body = msg.body.toString()
    counters.delivered++
    if (finned.get(channel).has(body)) counters.finnedBack++
    finned.get(channel).add(body)
    msg.finish()
  })
  reader.connect()
  return reader
}

const missing = () => CHANNELS.reduce((n, c) => n + [...acked].filter((b) => !finned.get(c).has(b)).length, 0)

async function channelsEmpty() {
  for (const m of members) {
    for (const c of CHANNELS) {
      const ch = await h.channelStats(m.node, TOPIC, c).catch(() => null)
      if (ch && ch.depth + ch.in_flight_count + ch.deferred_count > 0) return `${m.name}/${c}: ${JSON.stringify({depth: ch.depth, in_flight: ch.in_flight_count, deferred: ch.deferred_count})}`
    }
  }
  return ''
}

/** Whether `member` runs; if it exited on its own (a crash), that is recorded. */
function stillRunning(member) {
  const code = member.node.exitCode()
  if (code === null) return true
  badExits.push(`${member.name} exited on its own (${code}):\n${member.node.log().slice(-4000)}`)
  return false
}

/**
 * Freezes `member` (SIGSTOP) for `ms`: past --cluster-timeout the others drop
 * it (requeuing what its sessions held) and take it back when it thaws.
 */
async function freeze(member, ms) {
  if (!stillRunning(member)) return start(member)
  log(`SIGSTOP ${member.name} for ${Math.round(ms)} ms (published ${counters.published}, missing ${missing()})`)
  process.kill(member.node.pid, 'SIGSTOP')
  await sleep(ms)
  process.kill(member.node.pid, 'SIGCONT')
  counters.freezes++
}

/** SIGTERM (`graceful`: it must exit 0) or SIGKILL `member`. */
async function takeDown(member, graceful) {
  stillRunning(member)
  const what = `${graceful ? 'SIGTERM' : 'SIGKILL'} ${member.name}`
  log(`${what} (published ${counters.published}, delivered ${counters.delivered}, missing ${missing()})`)
  if (graceful) {
    const code = await member.node.stop().catch((err) => err.message)
    if (code !== 0) badExits.push(`${member.name}: ${code}\n${member.node.log().slice(-4000)}`)
    counters.terms++
  } else {
    await member.node.kill()
    counters.kills++
  }
}

async function main() {
  log(`seed ${initialSeed}, ${seconds} s`)
  for (const m of members) await start(m)
  for (const m of members) await waitForAlive(m.node, 2)
  // Channels first: a channel gets only what is published after it exists.
  for (const m of members) {
    await h.httpRequest(m.node, 'POST', `/topic/create?topic=${TOPIC}`)
    for (const c of CHANNELS) {
      const r = await h.httpRequest(m.node, 'POST', `/channel/create?topic=${TOPIC}&channel=${c}`)
      if (r.status !== 200) throw new Error(`${m.name} /channel/create ${c}: ${r.status} ${r.text}`)
    }
  }
  const producers = members.map(producer)
  const [a, b, c] = members
  const readers = [startReader(c, 'ch'), startReader(a, 'ch'), startReader(b, 'c2')]

  const end = t0 + seconds * 1000
  while (Date.now() < end - 3000) {
    await sleep(1500 + random() * 3000)
    // A freeze one time in five; else mostly one member down, one time in
    // five two at once (the third goes on).
    const first = Math.floor(random() * members.length)
    if (random() < 0.2) {
      await freeze(members[first], 500 + random() * 2500)
      continue
    }
    const victims = random() < 0.2 ? [members[first], members[(first + 1) % members.length]] : [members[first]]
    for (const victim of victims) await takeDown(victim, random() < 0.3)
    await sleep(200 + random() * 1500)
    for (const victim of victims) await start(victim)
  }

  log('stopping producers; waiting for every acknowledged message on both channels')
  producing = false
  await Promise.all(producers)
  const deadline = Date.now() + 90000
  while (missing() > 0 && Date.now() < deadline) await sleep(250)
  let leftover = await channelsEmpty()
  while (leftover && Date.now() < deadline) {
    await sleep(250)
    leftover = await channelsEmpty()
  }
  const lost = missing()
  const examples = CHANNELS.flatMap((ch) => [...acked].filter((x) => !finned.get(ch).has(x)).slice(0, 5).map((x) => `${ch} ${x}`))
  for (const r of readers) r.close()
  const logs = Object.fromEntries(members.map((m) => [m.name, m.node]))
  const codes = []
  for (const m of members) stillRunning(m)
  for (const m of members) codes.push(await m.node.stop().catch((err) => err.message))
  for (const m of members) h.removeDataDir(m.dataPath)
  if (tlsDir) h.removeDataDir(tlsDir)

  const summary = {seed: initialSeed, seconds, tls: Boolean(tlsDir), ...counters, acked: acked.size, lost, leftover, codes}
  log('summary', JSON.stringify(summary))
  const failures = []
  if (lost > 0) failures.push(`${lost} acknowledged deliveries never arrived, e.g. ${examples.join(', ')}`)
  if (leftover) failures.push(`a channel did not end empty: ${leftover}`)
  if (codes.some((code) => code !== 0)) failures.push(`final SIGTERM exit codes ${codes.join(' ')}`)
  if (badExits.length > 0) failures.push(`a crash, or a SIGTERM that did not exit 0: ${badExits.join('\n')}`)
  if (counters.published === 0) failures.push('nothing was published')
  if (failures.length > 0) {
    console.log(h.withLogs(new Error(`cluster soak: FAILED\n${failures.join('\n')}`), logs).message)
    process.exit(1)
  }
  console.log('cluster soak: OK')
  process.exit(0)
}

main().catch((err) => {
  console.error('cluster soak: error', err)
  for (const m of members) if (m.node) m.node.kill()
  process.exit(2)
})
