// The real caf-nsqd registered with the real caf-nsqlookupd, both on free
// loopback ports; every check reads the HTTP APIs the way nsqadmin and the
// consumer libraries do (nsqlookupd reference §6-§9, §12; nsqd reference §16).
// All waits are bounded polls.

#include "e2e/http_client.hpp"
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"
#include "e2e/stats_probe.hpp"
#include "lookupd_e2e/lookupd_process.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <map>
#include <netdb.h>
#include <optional>
#include <sstream>
#include <unistd.h>

using namespace e2e;
using namespace std::chrono_literals;
using lookupd_e2e::lookupd_process;
using ojson = nlohmann::ordered_json;
using strings = std::vector<std::string>;
using clock_type = std::chrono::steady_clock;

namespace {

std::string os_hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

/// Whether every address `host` resolves to (IPv4) is 127.0.0.1.
bool resolves_to_loopback(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0)
    return false;
  bool loopback = found != nullptr;
  for (auto* a = found; a; a = a->ai_next)
    loopback = loopback && reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr.s_addr ==
                               htonl(INADDR_LOOPBACK);
  ::freeaddrinfo(found);
  return loopback;
}

/// Query-string encoding of the names used here (`#` of `#ephemeral`, `:`).
std::string enc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '#')
      out += "%23";
    else if (c == ':')
      out += "%3A";
    else
      out += c;
  }
  return out;
}

struct reply {
  int status = 0;
  std::string text;
  ojson body;
};

reply get(uint16_t port, const std::string& target) {
  http_client h{port};
  auto a = h.request("GET", target, "", "Accept: application/vnd.nsq; version=1.0\r\n");
  reply r{a.status, a.body, nullptr};
  if (!a.body.empty() && a.body[0] == '{')
    r.body = ojson::parse(a.body);
  return r;
}

ojson get_ok(uint16_t port, const std::string& target) {
  auto r = get(port, target);
  INFO("GET " << target << ": " << r.status << " " << r.text);
  REQUIRE(r.status == 200);
  return r.body;
}

void post(uint16_t port, const std::string& target) {
  http_client h{port};
  auto a = h.request("POST", target);
  INFO("POST " << target << ": " << a.status << " " << a.body);
  REQUIRE(a.status == 200);
}

/// nsqd's `/channel/create` needs the topic (404 TOPIC_NOT_FOUND otherwise).
void create_channel(uint16_t port, const std::string& topic, const std::string& channel) {
  post(port, "/topic/create?topic=" + topic);
  post(port, "/channel/create?topic=" + topic + "&channel=" + channel);
}

strings sorted(const ojson& array) {
  auto v = array.get<strings>();
  std::sort(v.begin(), v.end());
  return v;
}

strings keys_of(const ojson& object) {
  strings keys;
  for (auto& item : object.items())
    keys.push_back(item.key());
  return keys;
}

// ---- what a lookupd says -------------------------------------------------

strings topics(const lookupd_process& l) {
  return sorted(get_ok(l.http_port(), "/topics")["topics"]);
}

strings channels(const lookupd_process& l, const std::string& topic) {
  return sorted(get_ok(l.http_port(), "/channels?topic=" + enc(topic))["channels"]);
}

/// `/lookup?topic=`: nothing on 404 TOPIC_NOT_FOUND.
std::optional<ojson> lookup(const lookupd_process& l, const std::string& topic) {
  auto r = get(l.http_port(), "/lookup?topic=" + enc(topic));
  if (r.status == 404) {
    CHECK(r.text == R"({"message":"TOPIC_NOT_FOUND"})");
    return std::nullopt;
  }
  INFO("GET /lookup?topic=" << topic << ": " << r.status << " " << r.text);
  REQUIRE(r.status == 200);
  return r.body;
}

/// The number of producers `/lookup` lists for `topic` (0 on 404 too).
size_t producers(const lookupd_process& l, const std::string& topic) {
  auto r = lookup(l, topic);
  return r ? (*r)["producers"].size() : 0;
}

ojson nodes(const lookupd_process& l) {
  return get_ok(l.http_port(), "/nodes")["producers"];
}

ojson debug(const lookupd_process& l) {
  return get_ok(l.http_port(), "/debug");
}

/// `topic -> tombstoned` of a `/nodes` node, paired by index (§8; nsqadmin
/// crashes when `tombstones` is shorter than `topics`).
std::map<std::string, bool> node_topics(const ojson& node) {
  REQUIRE(node["tombstones"].size() == node["topics"].size());
  std::map<std::string, bool> out;
  for (size_t i = 0; i < node["topics"].size(); ++i)
    out[node["topics"][i].get<std::string>()] = node["tombstones"][i].get<bool>();
  return out;
}

std::string dump(const lookupd_process& l) {
  auto d = get(l.http_port(), "/debug");
  auto n = get(l.http_port(), "/nodes");
  return "lookupd /debug: " + d.text + "\nlookupd /nodes: " + n.text;
}

/// Waits until nsqd logged `n` lookupds' peer info: its lookupd coordinator
/// logs the line once it knows that lookupd's HTTP address, so a topic created
/// afterwards asks it for channels (the lookupd lists the node earlier, as soon
/// as IDENTIFY arrives).
bool knows_lookupds(const nsqd_process& nsqd, size_t n) {
  return probe::eventually(
      [&] {
        auto log = nsqd.log();
        size_t count = 0;
        for (auto at = log.find("): peer info {"); at != std::string::npos;
             at = log.find("): peer info {", at + 1))
          ++count;
        return count >= n;
      },
      5s);
}

/// Polls `cond` every 20 ms for at most `limit`; fails with `context()`.
void await(const std::function<bool()>& cond, std::chrono::milliseconds limit,
           const std::string& what, const std::function<std::string()>& context = {}) {
  if (probe::eventually(cond, limit))
    return;
  FAIL(what << " did not happen within " << limit.count() << " ms\n"
            << (context ? context() : std::string()));
}

// ---- nsqd ----------------------------------------------------------------

strings lookupd_flags(std::initializer_list<const lookupd_process*> ls) {
  strings flags{"--broadcast-address=127.0.0.1"};
  for (auto* l : ls)
    flags.push_back("--lookupd-tcp-address=" + l->tcp_address());
  return flags;
}

/// Whether process `pid` owns the established TCP socket from loopback
/// `local_port` to `remote_port` (/proc/net/tcp and /proc/<pid>/fd).
bool owns_connection(pid_t pid, uint16_t local_port, uint16_t remote_port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line); // header
  std::string inode;
  char want[64];
  std::snprintf(want, sizeof want, "0100007F:%04X 0100007F:%04X 01", local_port,
                remote_port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, st, queues, timer, retr, uid, timeout, ino;
    fields >> slot >> local >> remote >> st >> queues >> timer >> retr >> uid >>
        timeout >> ino;
    if (local + " " + remote + " " + st == want)
      inode = ino;
  }
  if (inode.empty())
    return false;
  auto dir_path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = ::opendir(dir_path.c_str());
  if (!dir)
    return false;
  bool found = false;
  while (auto* e = ::readdir(dir)) {
    char target[128] = {};
    auto link = dir_path + "/" + e->d_name;
    if (::readlink(link.c_str(), target, sizeof target - 1) > 0 &&
        std::string(target) == "socket:[" + inode + "]")
      found = true;
  }
  ::closedir(dir);
  return found;
}

/// SIGCONTs the process on scope exit (a stopped nsqd ignores SIGTERM).
struct resume_guard {
  pid_t pid;
  ~resume_guard() { ::kill(pid, SIGCONT); }
};

} // namespace

TEST_CASE("register: topic, channel and node as nsqadmin reads them") {
  lookupd_process lk;
  nsqd_process nsqd{lookupd_flags({&lk})};
  publish(nsqd.port(), "t", {"hello"});
  create_channel(nsqd.http_port(), "t", "c");
  await([&] { return producers(lk, "t") == 1 && channels(lk, "t") == strings{"c"}; }, 15s,
        "registration of t and c", [&] { return dump(lk) + "\n" + nsqd.log(); });

  // /lookup, as consumers and nsqadmin's topic page read it.
  auto found = *lookup(lk, "t");
  CHECK(found["channels"] == ojson::parse(R"(["c"])"));
  auto p = found["producers"][0];
  CHECK(keys_of(p) == strings{"remote_address", "hostname", "broadcast_address",
                              "tcp_port", "http_port", "version", "topology_zone",
                              "topology_region"});
  CHECK(p["broadcast_address"] == "127.0.0.1");
  CHECK(p["hostname"] == os_hostname());
  CHECK(p["tcp_port"] == nsqd.port());
  CHECK(p["http_port"] == nsqd.http_port());
  CHECK(p["version"] == "1.3.0");
  // remote_address: nsqd's end of its connection to the lookupd.
  auto remote = p["remote_address"].get<std::string>();
  REQUIRE(remote.rfind("127.0.0.1:", 0) == 0);
  auto remote_port = static_cast<uint16_t>(std::stoul(remote.substr(10)));
  CHECK(owns_connection(nsqd.pid(), remote_port, lk.tcp_port()));

  CHECK(topics(lk) == strings{"t"});
  CHECK(channels(lk, "t") == strings{"c"});

  // /nodes: one node per connection, topics and tombstones of the same length.
  auto ns = nodes(lk);
  REQUIRE(ns.size() == 1);
  auto node = ns[0];
  CHECK(keys_of(node) == strings{"remote_address", "hostname", "broadcast_address",
                                 "tcp_port", "http_port", "version", "topology_zone",
                                 "topology_region", "tombstones", "topics"});
  CHECK(node["remote_address"] == remote);
  CHECK(node["broadcast_address"] == "127.0.0.1");
  CHECK(node["tcp_port"] == nsqd.port());
  CHECK(node["http_port"] == nsqd.http_port());
  CHECK(node["version"] == "1.3.0");
  CHECK(node["topics"] == ojson::parse(R"(["t"])"));
  CHECK(node["tombstones"] == ojson::parse("[false]"));

  // nsqadmin then talks to the node at broadcast_address:http_port.
  auto node_http = static_cast<uint16_t>(node["http_port"].get<int>());
  auto info = get_ok(node_http, "/info");
  CHECK(info["broadcast_address"] == "127.0.0.1");
  CHECK(info["http_port"] == nsqd.http_port());
  auto stats = get_ok(node_http, "/stats?format=json&topic=t&include_clients=false");
  REQUIRE(stats["topics"].size() == 1);
  CHECK(stats["topics"][0]["topic_name"] == "t");
  CHECK(stats["topics"][0]["channels"][0]["channel_name"] == "c");

  // A second topic joins the same node.
  post(nsqd.http_port(), "/topic/create?topic=t2");
  await([&] { return producers(lk, "t2") == 1; }, 15s, "registration of t2",
        [&] { return dump(lk); });
  CHECK(topics(lk) == strings{"t", "t2"});
  CHECK(channels(lk, "t2").empty());
  ns = nodes(lk);
  REQUIRE(ns.size() == 1);
  CHECK(node_topics(ns[0]) == std::map<std::string, bool>{{"t", false}, {"t2", false}});
}

TEST_CASE("unregister: nsqd's channel and topic deletes reach the lookupd") {
  lookupd_process lk;
  nsqd_process nsqd{lookupd_flags({&lk})};
  create_channel(nsqd.http_port(), "t", "c1");
  create_channel(nsqd.http_port(), "t", "c2");
  post(nsqd.http_port(), "/topic/create?topic=keep");
  await(
      [&] {
        auto d = debug(lk);
        return d.contains("channel:t:c1") && d.contains("channel:t:c2") &&
               d.contains("topic:keep:");
      },
      15s, "registration", [&] { return dump(lk); });
  CHECK(producers(lk, "t") == 1);

  // UNREGISTER t c1: the entry goes; the (non-ephemeral) key stays (§7.2).
  post(nsqd.http_port(), "/channel/delete?topic=t&channel=c1");
  await([&] { return !debug(lk).contains("channel:t:c1"); }, 15s, "UNREGISTER t c1",
        [&] { return dump(lk); });
  auto d = debug(lk);
  CHECK(d.contains("channel:t:c2"));
  CHECK(d.contains("topic:t:"));
  CHECK(channels(lk, "t") == strings{"c1", "c2"}); // stale keys stay (§6, §12.4)
  CHECK(producers(lk, "t") == 1);

  // UNREGISTER t: the topic entry and every channel entry go, keys stay.
  post(nsqd.http_port(), "/topic/delete?topic=t");
  await([&] { return !debug(lk).contains("topic:t:"); }, 15s, "UNREGISTER t",
        [&] { return dump(lk); });
  d = debug(lk);
  CHECK_FALSE(d.contains("channel:t:c2"));
  CHECK(d.contains("topic:keep:"));
  auto found = lookup(lk, "t");
  REQUIRE(found); // 200, not 404: the key outlives its producers
  CHECK(*found == ojson::parse(R"({"channels":["c1","c2"],"producers":[]})"));
  CHECK(topics(lk) == strings{"keep", "t"});
  auto ns = nodes(lk);
  REQUIRE(ns.size() == 1); // still connected
  CHECK(node_topics(ns[0]) == std::map<std::string, bool>{{"keep", false}});
  CHECK(producers(lk, "keep") == 1);
}

TEST_CASE("unregister: an ephemeral channel goes with its last consumer") {
  lookupd_process lk;
  nsqd_process nsqd{lookupd_flags({&lk})};
  {
    auto on_topic = subscriber(nsqd.port(), "e", "c#ephemeral", 1);
    auto on_eph_topic = subscriber(nsqd.port(), "et#ephemeral", "c#ephemeral", 1);
    await(
        [&] {
          return channels(lk, "e") == strings{"c#ephemeral"} &&
                 channels(lk, "et#ephemeral") == strings{"c#ephemeral"} &&
                 producers(lk, "e") == 1 && producers(lk, "et#ephemeral") == 1;
        },
        15s, "registration of the ephemeral channels", [&] { return dump(lk); });
    CHECK(topics(lk) == strings{"e", "et#ephemeral"});
  } // both consumers leave
  // UNREGISTER e c#ephemeral deletes the emptied ephemeral key; the ephemeral
  // topic's own UNREGISTER deletes it too.
  await(
      [&] {
        return channels(lk, "e").empty() && !lookup(lk, "et#ephemeral").has_value();
      },
      15s, "unregistration of the ephemeral channels", [&] { return dump(lk); });
  CHECK(topics(lk) == strings{"e"});
  CHECK(channels(lk, "et#ephemeral").empty());
  auto e = *lookup(lk, "e");
  CHECK(e["channels"].empty());
  CHECK(e["producers"].size() == 1);
  auto ns = nodes(lk);
  REQUIRE(ns.size() == 1);
  CHECK(node_topics(ns[0]) == std::map<std::string, bool>{{"e", false}});
}

TEST_CASE("tombstone: hides the producer for its lifetime while nsqd stays connected") {
  lookupd_process lk({"--tombstone-lifetime=3s"});
  nsqd_process nsqd{lookupd_flags({&lk})};
  create_channel(nsqd.http_port(), "t", "c");
  post(nsqd.http_port(), "/topic/create?topic=u");
  await([&] { return producers(lk, "t") == 1 && producers(lk, "u") == 1; }, 15s,
        "registration", [&] { return dump(lk); });
  auto before = debug(lk)["client::"][0];
  auto node_name = "127.0.0.1:" + std::to_string(nsqd.http_port());

  auto tombstoned = clock_type::now();
  post(lk.http_port(), "/topic/tombstone?topic=t&node=" + enc(node_name));
  // Hidden from /lookup at once; the channels and the other topic are not.
  CHECK(*lookup(lk, "t") == ojson::parse(R"({"channels":["c"],"producers":[]})"));
  CHECK(producers(lk, "u") == 1);
  auto ns = nodes(lk);
  REQUIRE(ns.size() == 1); // still listed, flagged
  CHECK(node_topics(ns[0]) == std::map<std::string, bool>{{"t", true}, {"u", false}});
  CHECK(debug(lk)["topic:t:"][0]["tombstoned"] == true);
  CHECK(debug(lk)["channel:t:c"][0]["tombstoned"] == false);

  // A REGISTER t c2 on the same connection keeps the tombstone (§8).
  create_channel(nsqd.http_port(), "t", "c2");
  await([&] { return debug(lk).contains("channel:t:c2"); }, 15s, "REGISTER t c2",
        [&] { return dump(lk); });
  CHECK(producers(lk, "t") == 0);

  // After the lifetime the same registration shows again: no PING, no
  // reconnect, the stored flag is merely ignored.
  await([&] { return producers(lk, "t") == 1; }, 6s, "the end of the tombstone",
        [&] { return dump(lk); });
  CHECK(clock_type::now() - tombstoned >= 2900ms);
  auto after = debug(lk)["client::"][0];
  CHECK(after["id"] == before["id"]);
  CHECK(after["last_update"] == before["last_update"]);
  CHECK(debug(lk)["topic:t:"][0]["tombstoned"] == true); // raw flag
  ns = nodes(lk);
  REQUIRE(ns.size() == 1);
  CHECK(node_topics(ns[0]) == std::map<std::string, bool>{{"t", false}, {"u", false}});

  // nsqadmin's flow: tombstone, then delete the topic on nsqd (UNREGISTER t);
  // re-creating it registers a fresh entry, visible within the lifetime.
  post(lk.http_port(), "/topic/tombstone?topic=t&node=" + enc(node_name));
  CHECK(producers(lk, "t") == 0);
  post(nsqd.http_port(), "/topic/delete?topic=t");
  await([&] { return !debug(lk).contains("topic:t:"); }, 15s, "UNREGISTER t",
        [&] { return dump(lk); });
  auto recreated = clock_type::now();
  post(nsqd.http_port(), "/topic/create?topic=t");
  await([&] { return producers(lk, "t") == 1; }, 2s, "the fresh registration",
        [&] { return dump(lk); });
  CHECK(clock_type::now() - recreated < 2500ms);
  CHECK(debug(lk)["topic:t:"][0]["tombstoned"] == false);
}

TEST_CASE("inactive: a producer that stops pinging drops out of /lookup and /nodes") {
  lookupd_process lk({"--inactive-producer-timeout=4s"});
  auto started = clock_type::now();
  nsqd_process nsqd{lookupd_flags({&lk})};
  // IDENTIFY made it active. Connected first, so that once REGISTER t c shows
  // no notice is left to go (SIGSTOP must not cut one off).
  await([&] { return nodes(lk).size() == 1; }, 15s, "the connection",
        [&] { return dump(lk); });
  create_channel(nsqd.http_port(), "t", "c");
  await([&] { return producers(lk, "t") == 1 && channels(lk, "t") == strings{"c"}; }, 15s,
        "registration", [&] { return dump(lk); });

  ::kill(nsqd.pid(), SIGSTOP);
  resume_guard resume{nsqd.pid()};
  await([&] { return producers(lk, "t") == 0; }, 8s, "the producer going inactive",
        [&] { return dump(lk); });
  CHECK(clock_type::now() - started >= 3900ms);
  CHECK(nodes(lk).empty());
  // Only a filter: the connection and its registrations are still there.
  CHECK(*lookup(lk, "t") == ojson::parse(R"({"channels":["c"],"producers":[]})"));
  CHECK(topics(lk) == strings{"t"});
  CHECK(debug(lk).contains("topic:t:"));
  CHECK(debug(lk).contains("client::"));

  // nsqd's next PING (15 s after it connected) makes it active again.
  ::kill(nsqd.pid(), SIGCONT);
  await([&] { return producers(lk, "t") == 1; },
        std::chrono::duration_cast<std::chrono::milliseconds>(started + 18s -
                                                              clock_type::now()),
        "the PING after SIGCONT", [&] { return dump(lk) + "\n" + nsqd.log(); });
  CHECK(clock_type::now() - started >= 14s);
  CHECK(nodes(lk).size() == 1);

  // kill -9: the connection closes and the lookupd drops every entry (§6).
  nsqd.kill();
  await([&] { return !debug(lk).contains("client::"); }, 15s, "the disconnect clean-up",
        [&] { return dump(lk); });
  CHECK(debug(lk) == ojson::object());
  CHECK(*lookup(lk, "t") == ojson::parse(R"({"channels":["c"],"producers":[]})"));
  CHECK(nodes(lk).empty());
  CHECK(topics(lk) == strings{"t"});
}

TEST_CASE("restart: a new lookupd on the same ports gets every registration again") {
  std::optional<lookupd_process> lk;
  lk.emplace();
  auto tcp = lk->tcp_address();
  auto http = "127.0.0.1:" + std::to_string(lk->http_port());
  nsqd_process nsqd{lookupd_flags({&*lk})};
  create_channel(nsqd.http_port(), "t1", "c1");
  create_channel(nsqd.http_port(), "t1", "c2");
  post(nsqd.http_port(), "/topic/create?topic=t2");
  auto consumer = subscriber(nsqd.port(), "t1", "e#ephemeral", 1); // registered too
  await(
      [&] {
        auto d = debug(*lk);
        return d.contains("channel:t1:c2") && d.contains("channel:t1:e#ephemeral") &&
               producers(*lk, "t2") == 1;
      },
      15s, "registration", [&] { return dump(*lk); });

  REQUIRE(lk->stop() == 0);
  lk.reset();
  lk.emplace(strings{"--tcp-address=" + tcp, "--http-address=" + http});
  REQUIRE(lk->tcp_address() == tcp);
  CHECK(nodes(*lk).empty());
  CHECK(topics(*lk).empty());

  // The next command fails on the dead connection and closes it...
  post(nsqd.http_port(), "/topic/create?topic=t3");
  await([&] { return nsqd.log().find("REGISTER t3 - ") != std::string::npos; }, 15s,
        "the failed REGISTER t3", [&] { return nsqd.log(); });
  // ...the one after reconnects: IDENTIFY, the full set, then the command.
  post(nsqd.http_port(), "/topic/create?topic=t4");
  await(
      [&] {
        auto ns = nodes(*lk);
        return ns.size() == 1 && ns[0]["topics"].size() == 4 &&
               debug(*lk).contains("channel:t1:e#ephemeral");
      },
      15s, "re-registration", [&] { return dump(*lk) + "\n" + nsqd.log(); });
  CHECK(topics(*lk) == strings{"t1", "t2", "t3", "t4"});
  CHECK(channels(*lk, "t1") == strings{"c1", "c2", "e#ephemeral"});
  CHECK(channels(*lk, "t2").empty());
  for (auto t : {"t1", "t2", "t3", "t4"})
    CHECK(producers(*lk, t) == 1);
  CHECK(node_topics(nodes(*lk)[0]) ==
        std::map<std::string, bool>{
            {"t1", false}, {"t2", false}, {"t3", false}, {"t4", false}});
  auto found = *lookup(*lk, "t1");
  CHECK(found["producers"][0]["tcp_port"] == nsqd.port());
  CHECK(found["producers"][0]["http_port"] == nsqd.http_port());
}

TEST_CASE("two lookupds: both list everything, PUT /config drops the removed one") {
  lookupd_process one({"--broadcast-address=127.0.0.1"});
  lookupd_process two({"--broadcast-address=127.0.0.1"});
  nsqd_process nsqd{lookupd_flags({&one, &two})};
  create_channel(nsqd.http_port(), "t", "c");
  post(nsqd.http_port(), "/topic/create?topic=u");
  for (auto* l : {&one, &two}) {
    await([&] { return producers(*l, "t") == 1 && producers(*l, "u") == 1; }, 15s,
          "registration with lookupd " + l->tcp_address(), [&] { return dump(*l); });
    CHECK(channels(*l, "t") == strings{"c"});
    auto ns = nodes(*l);
    REQUIRE(ns.size() == 1); // one remote address per lookupd: consistent
    CHECK(node_topics(ns[0]) == std::map<std::string, bool>{{"t", false}, {"u", false}});
    CHECK(ns[0]["tcp_port"] == nsqd.port());
  }

  auto only_one = R"([")" + one.tcp_address() + R"("])";
  {
    http_client h{nsqd.http_port()};
    auto put = h.request("PUT", "/config/nsqlookupd_tcp_addresses", only_one);
    REQUIRE(put.status == 200);
    CHECK(put.body == only_one);
  }
  // The removed lookupd sees the connection close and drops the producer.
  await([&] { return !debug(two).contains("client::"); }, 15s,
        "the removed lookupd dropping the producer", [&] { return dump(two); });
  CHECK(nodes(two).empty());
  CHECK(*lookup(two, "t") == ojson::parse(R"({"channels":["c"],"producers":[]})"));
  CHECK(nodes(one).size() == 1);
  CHECK(producers(one, "t") == 1);

  post(nsqd.http_port(), "/topic/create?topic=v");
  await([&] { return producers(one, "v") == 1; }, 15s, "REGISTER v with the kept lookupd",
        [&] { return dump(one); });
  CHECK(topics(two) == strings{"t", "u"});

  // Adding it back connects again with the full set.
  auto both = R"([")" + one.tcp_address() + R"(",")" + two.tcp_address() + R"("])";
  auto kept_id = debug(one)["client::"][0]["id"];
  {
    http_client h{nsqd.http_port()};
    REQUIRE(h.request("PUT", "/config/nsqlookupd_tcp_addresses", both).status == 200);
  }
  await(
      [&] {
        auto ns = nodes(two);
        return ns.size() == 1 && ns[0]["topics"].size() == 3;
      },
      15s, "re-registration with the re-added lookupd", [&] { return dump(two); });
  CHECK(node_topics(nodes(two)[0]) ==
        std::map<std::string, bool>{{"t", false}, {"u", false}, {"v", false}});
  CHECK(debug(two).contains("channel:t:c"));
  CHECK(nodes(one).size() == 1); // the kept connection was not duplicated...
  CHECK(debug(one)["client::"][0]["id"] == kept_id); // ...nor replaced
}

TEST_CASE("discovery: a second nsqd creates the lookupd's channels on first PUB") {
  // nsqd asks for /channels at the lookupd's broadcast_address:http_port from
  // its IDENTIFY answer: an IP, then the default (the OS hostname), when that
  // name reaches the loopback listener here.
  auto broadcast = GENERATE(as<std::string>{}, "127.0.0.1", "");
  if (broadcast.empty() && !resolves_to_loopback(os_hostname())) {
    WARN("the OS hostname does not resolve to 127.0.0.1: default case not run");
    return;
  }
  INFO("lookupd broadcast address: " << (broadcast.empty() ? "(default)" : broadcast));
  lookupd_process lk(broadcast.empty() ? strings{}
                                       : strings{"--broadcast-address=" + broadcast});
  nsqd_process a{lookupd_flags({&lk})};
  create_channel(a.http_port(), "t", "c");
  auto eph = subscriber(a.port(), "t", "e#ephemeral", 1);
  await(
      [&] {
        return channels(lk, "t") == strings{"c", "e#ephemeral"} &&
               producers(lk, "t") == 1;
      },
      15s, "A's registration", [&] { return dump(lk); });

  nsqd_process b{lookupd_flags({&lk})};
  // B must have its IDENTIFY answer (the lookupd's HTTP address) first.
  await([&] { return nodes(lk).size() == 2; }, 15s, "B's connection",
        [&] { return dump(lk) + "\n" + b.log(); });
  REQUIRE(knows_lookupds(b, 1));
  publish(b.port(), "t", {"first"});
  await(
      [&] {
        auto c = probe::channel_stats(probe::stats(b.http_port()), "t", "c");
        return !c.is_null() && c["depth"] == 1;
      },
      15s, "channel c on B holding the message", [&] { return b.log(); });
  auto s = probe::stats(b.http_port());
  CHECK(probe::channel_stats(s, "t", "c")["message_count"] == 1);
  CHECK(probe::channel_stats(s, "t", "e#ephemeral").is_null()); // never pre-created
  CHECK(probe::topic_stats(s, "t")["channels"].size() == 1);

  // B registered t and c too: two producers now.
  await([&] { return producers(lk, "t") == 2; }, 15s, "B's REGISTER t c",
        [&] { return dump(lk); });
  auto found = *lookup(lk, "t");
  strings tcp_ports;
  for (auto& p : found["producers"])
    tcp_ports.push_back(std::to_string(p["tcp_port"].get<int>()));
  std::sort(tcp_ports.begin(), tcp_ports.end());
  strings want{std::to_string(a.port()), std::to_string(b.port())};
  std::sort(want.begin(), want.end());
  CHECK(tcp_ports == want);

  // The message waits in c for a consumer.
  auto consumer = subscriber(b.port(), "t", "c", 1);
  CHECK(consumer.read_message().body == "first");
}

TEST_CASE("nsqadmin's delete: lookupd first, then nsqd's UNREGISTER of a gone key") {
  lookupd_process lk;
  nsqd_process nsqd{lookupd_flags({&lk})};
  create_channel(nsqd.http_port(), "t", "c");
  post(nsqd.http_port(), "/topic/create?topic=u");
  await([&] { return producers(lk, "t") == 1 && producers(lk, "u") == 1; }, 15s,
        "registration", [&] { return dump(lk); });
  auto id = debug(lk)["client::"][0]["id"];

  // HTTP deletes in lookupd do not reach nsqd (§7.2).
  post(lk.http_port(), "/channel/delete?topic=t&channel=c");
  post(lk.http_port(), "/topic/delete?topic=t");
  CHECK_FALSE(lookup(lk, "t").has_value());
  CHECK(node_topics(nodes(lk)[0]) == std::map<std::string, bool>{{"u", false}});
  // nsqd's own deletes then UNREGISTER keys that are gone: OK, no disconnect.
  post(nsqd.http_port(), "/channel/delete?topic=t&channel=c");
  post(nsqd.http_port(), "/topic/delete?topic=t");
  await([&] { return nsqd.log().find("UNREGISTER t\n") != std::string::npos; }, 15s,
        "UNREGISTER t", [&] { return nsqd.log(); });
  post(nsqd.http_port(), "/topic/create?topic=after");
  await([&] { return producers(lk, "after") == 1; }, 15s, "REGISTER after",
        [&] { return dump(lk) + "\n" + nsqd.log(); });
  CHECK(debug(lk)["client::"][0]["id"] == id); // the same connection
  CHECK(nsqd.log().find(" - E_") == std::string::npos);
  CHECK_FALSE(lookup(lk, "t").has_value());
  CHECK(channels(lk, "t").empty()); // nothing resurrects c for a new nsqd
  CHECK(producers(lk, "u") == 1);

  // A topic deleted only in lookupd comes back with nsqd's next REGISTER of it.
  post(lk.http_port(), "/topic/delete?topic=u");
  CHECK_FALSE(lookup(lk, "u").has_value());
  create_channel(nsqd.http_port(), "u", "uc");
  await([&] { return producers(lk, "u") == 1; }, 15s, "REGISTER u uc",
        [&] { return dump(lk); });
  CHECK(channels(lk, "u") == strings{"uc"});
}

TEST_CASE("nsqd restart: a stopped nsqd drops out, the restarted one registers again") {
  lookupd_process lk;
  data_dir dir;
  auto flags = lookupd_flags({&lk});
  std::optional<nsqd_process> nsqd;
  nsqd.emplace(dir, flags);
  create_channel(nsqd->http_port(), "t", "c");
  post(nsqd->http_port(), "/topic/create?topic=u");
  await([&] { return debug(lk).contains("channel:t:c") && producers(lk, "u") == 1; }, 15s,
        "registration", [&] { return dump(lk); });

  REQUIRE(nsqd->stop() == 0); // no UNREGISTER: the closed connection is enough
  await([&] { return debug(lk) == ojson::object(); }, 15s, "the disconnect clean-up",
        [&] { return dump(lk); });
  CHECK(nodes(lk).empty());
  CHECK(*lookup(lk, "t") == ojson::parse(R"({"channels":["c"],"producers":[]})"));
  CHECK(topics(lk) == strings{"t", "u"});

  nsqd.reset();
  nsqd.emplace(dir, flags); // topics and channels from nsqd.dat
  await(
      [&] {
        auto ns = nodes(lk);
        return ns.size() == 1 && ns[0]["topics"].size() == 2 &&
               debug(lk).contains("channel:t:c");
      },
      15s, "re-registration of the loaded topics",
      [&] { return dump(lk) + "\n" + nsqd->log(); });
  CHECK(node_topics(nodes(lk)[0]) ==
        std::map<std::string, bool>{{"t", false}, {"u", false}});
  CHECK(nodes(lk)[0]["tcp_port"] == nsqd->port());
}

TEST_CASE("late lookupd: started after nsqd, it gets everything on nsqd's next command") {
  // Learn two free ports, then leave them closed while nsqd starts.
  std::string tcp, http;
  {
    lookupd_process probe_ports;
    tcp = probe_ports.tcp_address();
    http = "127.0.0.1:" + std::to_string(probe_ports.http_port());
    REQUIRE(probe_ports.stop() == 0);
  }
  nsqd_process nsqd{{"--broadcast-address=127.0.0.1", "--lookupd-tcp-address=" + tcp}};
  create_channel(nsqd.http_port(), "t", "c"); // the lookupd is not there
  lookupd_process lk({"--tcp-address=" + tcp, "--http-address=" + http});
  // Commands go on being sent (the failed dial may hold off a few): poll
  // with a fresh topic each time.
  int n = 0;
  await(
      [&] {
        post(nsqd.http_port(), "/topic/create?topic=k" + std::to_string(n++));
        return debug(lk).contains("channel:t:c");
      },
      20s, "registration with the late lookupd",
      [&] { return dump(lk) + "\n" + nsqd.log(); });
  CHECK(producers(lk, "t") == 1);
  CHECK(channels(lk, "t") == strings{"c"});
  INFO("commands until reconnected: " << n);
  CHECK(nodes(lk).size() == 1);
}

TEST_CASE("two lookupds: discovery creates the union of their channels") {
  lookupd_process one({"--broadcast-address=127.0.0.1"});
  lookupd_process two({"--broadcast-address=127.0.0.1"});
  // Channels known to one lookupd each (as nsqadmin creates them).
  post(one.http_port(), "/channel/create?topic=t&channel=x");
  post(two.http_port(), "/channel/create?topic=t&channel=y");
  nsqd_process nsqd{lookupd_flags({&one, &two})};
  await([&] { return nodes(one).size() == 1 && nodes(two).size() == 1; }, 15s,
        "the connections", [&] { return nsqd.log(); });
  REQUIRE(knows_lookupds(nsqd, 2));
  publish(nsqd.port(), "t", {"m"});
  await(
      [&] {
        auto s = probe::stats(nsqd.http_port());
        auto x = probe::channel_stats(s, "t", "x");
        auto y = probe::channel_stats(s, "t", "y");
        return !x.is_null() && !y.is_null() && x["depth"] == 1 && y["depth"] == 1;
      },
      15s, "channels x and y each holding the message", [&] { return nsqd.log(); });
  // ...and both lookupds learn both channels from nsqd.
  for (auto* l : {&one, &two})
    await(
        [&] {
          auto d = debug(*l);
          return d.contains("channel:t:x") && d.contains("channel:t:y");
        },
        15s, "REGISTER t x and t y with " + l->tcp_address(), [&] { return dump(*l); });
}

TEST_CASE("two lookupds: a dead one does not hold up the live one") {
  std::string dead;
  {
    lookupd_process gone;
    dead = gone.tcp_address();
    REQUIRE(gone.stop() == 0);
  }
  lookupd_process live({"--broadcast-address=127.0.0.1"});
  nsqd_process nsqd{{"--broadcast-address=127.0.0.1", "--lookupd-tcp-address=" + dead,
                     "--lookupd-tcp-address=" + live.tcp_address()}};
  post(live.http_port(), "/channel/create?topic=t&channel=x");
  await([&] { return nodes(live).size() == 1; }, 15s, "the live connection",
        [&] { return nsqd.log(); });
  auto start = clock_type::now();
  for (int i = 0; i < 5; ++i)
    post(nsqd.http_port(), "/topic/create?topic=u" + std::to_string(i));
  publish(nsqd.port(), "t", {"m"});
  await(
      [&] {
        auto ns = nodes(live);
        return ns.size() == 1 && ns[0]["topics"].size() == 6 &&
               debug(live).contains("channel:t:x");
      },
      15s, "registration with the live lookupd", [&] { return dump(live); });
  CHECK(clock_type::now() - start < 1s);
  auto x = probe::channel_stats(probe::stats(nsqd.http_port()), "t", "x");
  REQUIRE_FALSE(x.is_null()); // discovered from the live one
  CHECK(x["depth"] == 1);
}

TEST_CASE("discovery: every way of creating the topic asks the lookupd") {
  auto how = GENERATE(as<std::string>{}, "http /pub", "http /mpub", "http /topic/create",
                      "tcp MPUB", "tcp DPUB", "tcp SUB");
  INFO("topic created by " << how);
  lookupd_process lk({"--broadcast-address=127.0.0.1"});
  post(lk.http_port(), "/channel/create?topic=t&channel=c");
  nsqd_process nsqd{lookupd_flags({&lk})};
  await([&] { return nodes(lk).size() == 1; }, 15s, "the connection",
        [&] { return nsqd.log(); });
  REQUIRE(knows_lookupds(nsqd, 1));
  std::optional<raw_client> sub;
  if (how == "http /pub") {
    http_client h{nsqd.http_port()};
    REQUIRE(h.request("POST", "/pub?topic=t", "m").status == 200);
  } else if (how == "http /mpub") {
    http_client h{nsqd.http_port()};
    REQUIRE(h.request("POST", "/mpub?topic=t", "m").status == 200);
  } else if (how == "http /topic/create") {
    post(nsqd.http_port(), "/topic/create?topic=t");
  } else if (how == "tcp MPUB") {
    raw_client c{nsqd.port()};
    c.send(mpub("t", {"m"}));
    expect_ok(c);
  } else if (how == "tcp DPUB") {
    raw_client c{nsqd.port()};
    c.send(dpub("t", 1, "m"));
    expect_ok(c);
  } else {
    sub.emplace(subscriber(nsqd.port(), "t", "own", 0));
  }
  await(
      [&] {
        return !probe::channel_stats(probe::stats(nsqd.http_port()), "t", "c").is_null();
      },
      15s, "channel c on nsqd", [&] { return nsqd.log(); });
  await([&] { return debug(lk).contains("channel:t:c"); }, 15s, "REGISTER t c",
        [&] { return dump(lk); });
}

TEST_CASE(
    "stalled lookupd: nsqd gives up after 1 s, then re-registers on one connection") {
  lookupd_process lk;
  nsqd_process nsqd{lookupd_flags({&lk})};
  await([&] { return nodes(lk).size() == 1; }, 15s, "the connection",
        [&] { return dump(lk); });
  create_channel(nsqd.http_port(), "t", "c"); // the last notice: REGISTER t c
  await([&] { return debug(lk).contains("channel:t:c"); }, 15s, "registration",
        [&] { return dump(lk); });
  auto old_id = debug(lk)["client::"][0]["id"];

  ::kill(lk.pid(), SIGSTOP);
  {
    resume_guard resume{lk.pid()};
    post(nsqd.http_port(), "/topic/create?topic=u"); // no answer within 1 s
    await([&] { return nsqd.log().find("REGISTER u - ") != std::string::npos; }, 5s,
          "nsqd giving up on REGISTER u", [&] { return nsqd.log(); });
  } // SIGCONT: the lookupd reads the queued REGISTER u, then the close
  // The next command reconnects with the full set. (Should a dial have met
  // the stalled lookupd, its 1 s back-off drops commands: keep sending.)
  int n = 0;
  auto last = clock_type::now() - 1s;
  await(
      [&] {
        if (clock_type::now() - last >= 300ms) {
          post(nsqd.http_port(), "/topic/create?topic=v" + std::to_string(n++));
          last = clock_type::now();
        }
        auto ns = nodes(lk);
        if (ns.size() != 1 || ns[0]["remote_address"] == old_id)
          return false;
        auto topics = node_topics(ns[0]);
        return topics.count("t") && topics.count("u") &&
               debug(lk).contains("channel:t:c");
      },
      15s, "re-registration on a new connection",
      [&] { return dump(lk) + "\n" + nsqd.log(); });
  CHECK(debug(lk)["client::"].size() == 1); // the stalled connection is gone
  for (auto& [topic, tombstoned] : node_topics(nodes(lk)[0]))
    CHECK_FALSE(tombstoned);
}

TEST_CASE("stalled lookupd: nsqd still shuts down promptly") {
  // Neither the stalled TCP connection nor the /channels GET in flight for a
  // topic created just before holds nsqd up (nsqd v1.3.0 exits at once).
  lookupd_process lk;
  nsqd_process nsqd{lookupd_flags({&lk})};
  post(nsqd.http_port(), "/topic/create?topic=t");
  await([&] { return producers(lk, "t") == 1; }, 15s, "registration",
        [&] { return dump(lk); });
  ::kill(lk.pid(), SIGSTOP);
  resume_guard resume{lk.pid()};
  post(nsqd.http_port(), "/topic/create?topic=u"); // REGISTER u and /channels in flight
  await(
      [&] {
        return nsqd.log().find("CI: querying nsqlookupd") != std::string::npos &&
               nsqd.log().find("/channels?topic=u") != std::string::npos;
      },
      15s, "the /channels query for u", [&] { return nsqd.log(); });
  auto start = clock_type::now();
  CHECK(nsqd.stop(10s) == 0);
  auto took = clock_type::now() - start;
  INFO("shutdown took "
       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
       << " ms; log:\n"
       << nsqd.log());
  CHECK(took < 1s); // the GET's request timeout is 5 s
}
