#!/usr/bin/env python3
# Usage: bench/restart_time.py <caf-nsqd binary>
# Measures exec -> /ping 200 with 1,000 topics x 2 channels in nsqd.dat.
import os, re, signal, socket, subprocess, sys, time, urllib.request, shutil
binary, data = sys.argv[1], "/tmp/caf-nsqd-restart-data"
shutil.rmtree(data, ignore_errors=True); os.makedirs(data)
def start():
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0",
                          "--data-path=" + data], stderr=subprocess.PIPE, text=True)
    port = None
    while port is None:
        line = p.stderr.readline()
        m = re.search(r"HTTP: listening on 127.0.0.1:(\d+)", line)
        if m: port = int(m.group(1))
    while True:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1).status == 200:
                return p, port, time.monotonic() - t0
        except Exception:
            time.sleep(0.001)
p, port, _ = start()
for i in range(1000):
    urllib.request.urlopen(urllib.request.Request(
        f"http://127.0.0.1:{port}/topic/create?topic=t{i}", method="POST"))
    for c in ("a", "b"):
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}/channel/create?topic=t{i}&channel={c}", method="POST"))
p.send_signal(signal.SIGTERM); p.wait(timeout=20)
times = []
for _ in range(3):
    p, port, dt = start()
    n = len(__import__("json").loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/stats?format=json").read())["topics"])
    times.append(dt * 1000)
    p.send_signal(signal.SIGTERM); p.wait(timeout=20)
print("topics restored:", n, "exec->/ping 200 ms:", ["%.0f" % t for t in times], "median %.0f" % sorted(times)[1])
