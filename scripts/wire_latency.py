#!/usr/bin/env python3
"""Request latency as the kernel saw it, from a packet capture of an HTTP/1.1 load test.

usage: scripts/wire_latency.py CAPTURE.pcap SERVER_PORT

A referee between load generators: tcpdump stamps each packet when the sender's write hands it to
the loopback device, so "first response segment minus request segment" on one connection is the
server's latency (socket queue included) with neither generator's own delays in it. A generator
that reports a longer tail than the wire shows is adding its own delay (reading responses late);
a generator whose traffic shows a longer tail on the wire is offering the server a different load.

Reads the classic pcap format (Ethernet or Linux cooked framing, IPv4, micro- or nanosecond
timestamps), pairs the first client segment with payload after each response with the next server
segment with payload (no pipelining, as both generators send), and prints
"requests p50-ms p90-ms p99-ms p99.9-ms max-ms" on one line.
"""
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        header = f.read(24)
        magic = struct.unpack("<I", header[:4])[0]
        if magic == 0xA1B2C3D4:
            scale = 1e-6
        elif magic == 0xA1B23C4D:
            scale = 1e-9
        else:
            raise SystemExit(f"{path}: not a little-endian pcap file")
        linktype = struct.unpack("<I", header[20:24])[0]
        link_bytes = {1: 14, 113: 16, 276: 20}.get(linktype)
        if link_bytes is None:
            raise SystemExit(f"{path}: unsupported link type {linktype}")
        record = struct.Struct("<IIII")
        while True:
            head = f.read(16)
            if len(head) < 16:
                return
            seconds, fraction, captured, _ = record.unpack(head)
            data = f.read(captured)
            ip = data[link_bytes:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
                continue
            ip_header = (ip[0] & 0x0F) * 4
            total = struct.unpack(">H", ip[2:4])[0]
            tcp = ip[ip_header:]
            if len(tcp) < 20:
                continue
            source, destination = struct.unpack(">HH", tcp[:4])
            payload = total - ip_header - (tcp[12] >> 4) * 4
            yield seconds + fraction * scale, source, destination, payload


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    index = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.split("\n\n")[1])
    path, port = sys.argv[1], int(sys.argv[2])
    pending = {}
    latencies = []
    for time, source, destination, payload in packets(path):
        if payload <= 0:
            continue
        if destination == port:
            # A second request before a response means the capture lost that response: start over.
            pending[source] = time
        elif source == port:
            sent = pending.pop(destination, None)
            if sent is not None:
                latencies.append((time - sent) * 1000)
    latencies.sort()
    figures = [percentile(latencies, p) for p in (50, 90, 99, 99.9)] + [latencies[-1] if latencies else float("nan")]
    print(len(latencies), " ".join(f"{value:.4f}" for value in figures))


if __name__ == "__main__":
    main()
