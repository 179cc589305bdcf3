#!/usr/bin/env python3
"""A keep-alive HTTP/1.1 server that answers every request with a fixed JSON body.

A target for scripts/bench_load_accuracy.sh: one asyncio event loop on one core that spends
WORK_MICROSECONDS of CPU on each request (default 0), like a model server doing inference, so
it saturates at a known rate and load generators measure the server, not themselves. Not a real
HTTP server: it reads a request head up to the blank line, skips Content-Length bytes of body,
and answers. usage: fixed_response_server.py [PORT] [WORK_MICROSECONDS]
"""
import asyncio
import sys
import time

WORK_SECONDS = (float(sys.argv[2]) if len(sys.argv) > 2 else 0.0) / 1e6

BODY = b'{"predictions":[1.5]}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


class FixedResponse(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            if WORK_SECONDS:
                deadline = time.perf_counter() + WORK_SECONDS
                while time.perf_counter() < deadline:
                    pass
            self.transport.write(RESPONSE)


async def main(port):
    server = await asyncio.get_running_loop().create_server(FixedResponse, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 18081))
