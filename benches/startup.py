#!/usr/bin/env python3
"""Exec → first served request of the twin, over 20 starts. Usage: benches/startup.py target/release/cloudtwin"""
import socket, subprocess, time, statistics, sys
ts=[]
for i in range(20):
    port = 4700 + i
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.argv[1], "serve", "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall(b"GET /_cloudtwin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = s.recv(100); s.close()
            if b"200" in data: break
        except OSError:
            pass
    ts.append((time.perf_counter()-t0)*1000)
    p.kill(); p.wait()
print(f"exec -> first served request: median {statistics.median(ts):.1f} ms, min {min(ts):.1f} ms, max {max(ts):.1f} ms over {len(ts)} runs")
