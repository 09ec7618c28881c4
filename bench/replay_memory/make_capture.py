#!/usr/bin/env python3
"""make_capture.py OUT.gor SIZE_MB [GAP_US]: a GoReplay capture of about SIZE_MB megabytes.

Requests (type 1) with their responses (type 2), like gor writes them: GETs on a few routes and
POSTs with 1-4 KiB JSON bodies, one request every GAP_US microseconds (default 1000), over 200
client connections taken in turn (the optional fifth header field, as `volley record` writes it).
"""
import sys

SEP = "\n\U0001F435\U0001F648\U0001F649\n".encode()
T0 = 1760104536_000_000_000


def main():
    out_path, size_mb = sys.argv[1], float(sys.argv[2])
    gap_ns = int(float(sys.argv[3]) * 1000) if len(sys.argv) > 3 else 1_000_000
    target = int(size_mb * 1024 * 1024)
    bodies = [("{\"payload\":\"" + "x" * n + "\"}").encode() for n in (1000, 2000, 3000, 4000)]
    response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
    written = 0
    n = 0
    with open(out_path, "wb", buffering=8 * 1024 * 1024) as out:
        while written < target:
            chunk = []
            for _ in range(1000):
                ts = T0 + n * gap_ns
                rid = f"{n:024x}".encode()
                if n % 3 == 0:
                    body = bodies[n % 4]
                    head = (f"POST /entities HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: bench/1.0\r\n"
                            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
                    payload = head + body
                else:
                    payload = (f"GET /entities/{n % 100000}/ancestors?depth={n % 7} HTTP/1.1\r\nHost: api.example.com\r\n"
                               f"User-Agent: bench/1.0\r\nAccept: application/json\r\nX-Request-Id: {n}\r\n\r\n").encode()
                connection = 1 + n % 200
                chunk.append(b"1 " + rid + f" {ts} 0 {connection}\n".encode() + payload + SEP)
                chunk.append(b"2 " + rid + f" {ts + 900_000} 900000 {connection}\n".encode() + response + SEP)
                n += 1
            data = b"".join(chunk)
            out.write(data)
            written += len(data)
    print(f"{out_path}: {written / 1e6:.0f} MB, {n} requests over {n * gap_ns / 1e9:.0f} s of capture time")


if __name__ == "__main__":
    main()
