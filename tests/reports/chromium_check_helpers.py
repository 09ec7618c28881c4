#!/usr/bin/env python3
"""Helpers for chromium_check.sh (standard library only).

  png FILE                 checks that a screenshot is not blank: prints its size, distinct
                           colours and share of non-white pixels; exit 1 when blank.
  netlog FILE              lists requests the *page* made to anything but file:/data:/blob:
                           (browser-internal requests, isolation key "null null", are ignored);
                           exit 1 when there is one.
"""
import json
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise ValueError(f"unsupported PNG layout depth={depth} colour={colour} interlace={interlace}")
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompress(idat)
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            upper_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def check_png(path):
    width, height, channels, rows = read_png(path)
    colours, non_white, total = set(), 0, 0
    for row in rows[::4]:  # every 4th row and column is plenty
        for x in range(0, width * channels, channels * 4):
            rgb = row[x:x + 3]
            colours.add(rgb)
            total += 1
            if rgb != b"\xff\xff\xff":
                non_white += 1
    share = non_white / max(1, total)
    print(f"screenshot {width}x{height}: {len(colours)} colours, {share:.1%} non-white")
    return 0 if len(colours) >= 32 and share >= 0.03 else 1


def check_netlog(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a log cut short: close the events array
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    leaks = []
    for event in log.get("events", []):
        params = event.get("params", {})
        if event.get("type") != start_job or "url" not in params:
            continue
        url = params["url"]
        from_page = "null null" not in params.get("network_isolation_key", "null null")
        if from_page and not url.startswith(("file:", "data:", "blob:")):
            leaks.append(url)
    for url in leaks:
        print(f"page request leaves the file: {url}")
    return 1 if leaks else 0


if __name__ == "__main__":
    command, path = sys.argv[1], sys.argv[2]
    sys.exit(check_png(path) if command == "png" else check_netlog(path))
