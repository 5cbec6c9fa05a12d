#!/usr/bin/env python3
"""Peak RSS of twins taking N concurrent Huawei requests with large bodies that are refused, side
by side. Usage: benches/edge_rss.py BINARY [BINARY...] [--n 8] [--mib 63] [--mode token|aksk|signed]

token:  a garbage X-Auth-Token (refused before the body since the edge hardening)
aksk:   an unknown AK (refused before the body)
signed: the default AK, a fresh X-Sdk-Date and a wrong signature (the body must be read: the
        shared body budget bounds what is held at once)
"""
import argparse, datetime, re, socket, subprocess, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("binaries", nargs="+")
ap.add_argument("--n", type=int, default=8)
ap.add_argument("--mib", type=int, default=63)
ap.add_argument("--mode", default="token", choices=["token", "aksk", "signed"])
args = ap.parse_args()


def head(port, length):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    auth = {
        "token": "X-Auth-Token: garbage\r\n",
        "aksk": "Authorization: SDK-HMAC-SHA256 Access=UNKNOWNAK, SignedHeaders=host;x-sdk-date, Signature=00\r\n"
        f"X-Sdk-Date: {now}\r\n",
        "signed": "Authorization: SDK-HMAC-SHA256 Access=CLOUDTWINEXAMPLEAK00, SignedHeaders=host;x-sdk-date, Signature=00\r\n"
        f"X-Sdk-Date: {now}\r\n",
    }[args.mode]
    return (f"POST /v3/0605767a3300d5762fb7c0186d7f1e8a/vaults HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\n{auth}Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()


def run(binary):
    p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", p.stdout.readline()).group(1))

    def status(key):
        for line in open(f"/proc/{p.pid}/status"):
            if line.startswith(key):
                return int(line.split()[1]) // 1024

    body = b"{" + b" " * (args.mib * 1024 * 1024 - 2) + b"}"
    answers = []

    def one():
        s = socket.create_connection(("127.0.0.1", port))
        s.settimeout(120)
        try:
            s.sendall(head(port, len(body)))
            s.sendall(body)
        except OSError:
            pass
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except OSError:
            pass
        answers.append(out.split(b"\r\n", 1)[0].decode(errors="replace"))

    before = status("VmRSS")
    t0 = time.time()
    threads = [threading.Thread(target=one) for _ in range(args.n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"{binary}: {args.n} x {args.mib} MiB ({args.mode}): RSS before {before} MiB, peak {status('VmHWM')} MiB, "
          f"{time.time() - t0:.2f} s; answers {sorted(set(answers))}")
    p.kill()
    p.wait()


for b in args.binaries:
    run(b)
