#!/usr/bin/env python3
# sharkfin-relay: load generator for scripts/bench.sh. A test peer, not part of the product.
# SPDX-License-Identifier: Apache-2.0
"""Measures a running relay: memory with many idle clients, and fan-out throughput.

  relay_load.py idle SOCKET PID COUNT
      opens COUNT idle clients (each reads its greeting), prints the relay's RSS before
      and after, and the cost per client.
  relay_load.py fanout SOCKET SUBSCRIBERS MESSAGES
      SUBSCRIBERS clients subscribe to message.new; one more client sends MESSAGES
      send_message requests (16 in flight); prints requests/s and events delivered/s.
"""
import asyncio
import json
import resource
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def open_client(path):
    reader, writer = await asyncio.open_unix_connection(path, limit=1 << 22)
    await reader.readline()  # relay.hello
    return reader, writer


async def idle(path, pid, count):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 1024)), hard))
    before = rss_kib(pid)
    clients = []
    started = time.monotonic()
    for start in range(0, count, 500):
        batch = await asyncio.gather(
            *(open_client(path) for _ in range(start, min(count, start + 500))))
        clients.extend(batch)
    elapsed = time.monotonic() - started
    await asyncio.sleep(1)
    after = rss_kib(pid)
    # Every client must still be served: ask one, last opened, for the status.
    reader, writer = clients[-1]
    writer.write(b'{"type":"relay.status","ref":"s"}\n')
    await writer.drain()
    while True:
        line = json.loads(await reader.readline())
        if line.get("ref") == "s":
            break
    print(f"idle clients:         {count} connected in {elapsed:.2f} s "
          f"(relay reports {line['d']['clients']} clients)")
    print(f"relay RSS:            {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after")
    print(f"memory per client:    {(after - before) * 1024 / count:.0f} bytes")
    for _, writer in clients:
        writer.close()


async def fanout(path, subscribers, messages):
    readers = []
    for _ in range(subscribers):
        reader, writer = await open_client(path)
        writer.write(b'{"type":"relay.subscribe","ref":"s","d":{"types":["message.new"]}}\n')
        await writer.drain()
        while json.loads(await reader.readline()).get("ref") != "s":
            pass
        readers.append((reader, writer))
    sender_reader, sender = await open_client(path)
    sender.write(b'{"type":"channel_join","ref":"j","d":{"channel":"general"}}\n')
    await sender.drain()
    while json.loads(await sender_reader.readline()).get("ref") != "j":
        pass

    async def drain(reader):
        seen = 0
        while seen < messages:
            line = json.loads(await reader.readline())
            if line.get("type") == "message.new":
                seen += 1

    started = time.monotonic()
    receivers = [asyncio.create_task(drain(reader)) for reader, _ in readers]

    async def send_all():
        window = asyncio.Semaphore(16)
        replies = 0

        async def read_replies():
            nonlocal replies
            while replies < messages:
                line = json.loads(await sender_reader.readline())
                if line.get("type") in ("reply", "error") and "seq" not in line:
                    replies += 1
                    window.release()

        reading = asyncio.create_task(read_replies())
        for index in range(messages):
            await window.acquire()
            body = json.dumps({"type": "send_message", "ref": f"m{index}",
                               "d": {"channel": "general", "body": f"bench {index}"}})
            sender.write(body.encode() + b"\n")
            await sender.drain()
        await reading

    await send_all()
    sent = time.monotonic() - started
    await asyncio.gather(*receivers)
    delivered = time.monotonic() - started
    print(f"requests:             {messages} send_message in {sent:.2f} s "
          f"({messages / sent:.0f}/s, 16 in flight)")
    print(f"fan-out:              {messages * subscribers} message.new lines to "
          f"{subscribers} subscribers in {delivered:.2f} s "
          f"({messages * subscribers / delivered:.0f} lines/s)")


def main():
    mode = sys.argv[1]
    if mode == "idle":
        asyncio.run(idle(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    elif mode == "fanout":
        asyncio.run(fanout(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
