// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A Python `websockets` client that replays the recorded transcript against a dev server
/// over real sockets: an independent WebSocket implementation checking ours. It compares
/// every recorded frame and HTTP answer (times, random ids and database error texts
/// aside) and stops before section 18, keepalive, which `KeepaliveTests` covers.
let transcriptReplayScript = #"""
    # Replays the recorded Sharkfin transcript against a dev server over real sockets.
    # usage: replay.py TRANSCRIPT PORT ; prints "replayed N checks" and exits 0 on success.
    import asyncio, json, re, socket, sys
    import websockets

    TRANSCRIPT, PORT = sys.argv[1], int(sys.argv[2])
    BASE = f"127.0.0.1:{PORT}"
    failures = []


    def user_of(session):
        base = session.split("/")[0]
        return "bob" if base == "bob2" else base


    def normalize(text):
        try:
            value = json.loads(text)
        except ValueError:
            return text

        def walk(v, key=None):
            if isinstance(v, dict):
                return {k: walk(x, k) for k, x in v.items()}
            if isinstance(v, list):
                return [walk(x) for x in v]
            if isinstance(v, str):
                if key in ("sent_at", "created_at"):
                    return "<time>"
                if key == "id" and re.fullmatch(r"[0-9a-f]{32}", v):
                    return "<hex id>"
                if key == "message" and "ERROR:" in v:
                    return "<database error>"
            return v

        return json.dumps(walk(value), separators=(",", ":"), ensure_ascii=False)


    def check(what, actual, expected):
        if normalize(actual) != normalize(expected):
            failures.append(f"{what}\n  expected {expected}\n  actual   {actual}")


    def unrepr(text):
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


    def http(method, target, headers, body=b""):
        """One raw HTTP/1.1 request; returns (status, body)."""
        with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
            lines = [f"{method} {target} HTTP/1.1", f"Host: {BASE}", "Connection: close"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            lines.append(f"Content-Length: {len(body)}")
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, payload = data.partition(b"\r\n\r\n")
        return int(head.split(b" ")[1]), payload.decode()


    def parse(lines):
        events = []
        for line in lines:
            if m := re.match(r">>> WS upgrade GET (\S+) headers=(\{.*?\})\s", line):
                events.append(("upgrade", m.group(1), json.loads(m.group(2))))
            elif m := re.match(r">>> HTTP (\S+) (\S+) (\{.*)$", line):
                decoder = json.JSONDecoder()
                headers, end = decoder.raw_decode(m.group(3))
                events.append(("http", m.group(1), m.group(2), headers, m.group(3)[end:].strip()))
            elif line.startswith(">>> HTTP "):
                events.append(("skip", line))
            elif m := re.match(r"<<< HTTP (\d{3}).*?'(.*)'$", line):
                events.append(("http-response", int(m.group(1)), unrepr(m.group(2))))
            elif m := re.match(r"(>>>|<<<) ([^:]+): (.*)$", line):
                events.append(("send" if m.group(1) == ">>>" else "recv", m.group(2), m.group(3)))
            elif m := re.match(r"\[\s*[\d.]+s\] (\S+): connected (\S+)", line):
                events.append(("connect", m.group(1), m.group(2)))
        return events


    async def main():
        events = parse(open(TRANSCRIPT).read().split("\n"))
        last_seen = {}
        for index, event in enumerate(events):
            if event[0] in ("send", "recv", "connect"):
                last_seen[event[1]] = index
        long_lived = {"alice", "bob", "carol", "bob/presence"}
        sockets = {}
        checks = 0
        pending_http = None
        for index, event in enumerate(events):
            kind = event[0]
            if kind == "connect":
                _, session, path = event
                if session == "carol":
                    break  # section 18, keepalive, is tested on its own with a short timeout
                headers = {"Authorization": f"ApiKey-v1 key-{user_of(session)}"}
                sockets[session] = await websockets.connect(
                    f"ws://{BASE}{path}", additional_headers=headers, ping_interval=None)
            elif kind == "send":
                await sockets[event[1]].send(event[2])
            elif kind == "recv":
                try:
                    frame = await asyncio.wait_for(sockets[event[1]].recv(), 3)
                except Exception as error:
                    failures.append(f"{event[1]}: expected {event[2]}, got {error!r}")
                    return checks
                check(f"{event[1]} frame", frame, event[2])
                checks += 1
            elif kind == "upgrade":
                pending_http = ("GET", event[1], {
                    **event[2], "Connection": "Upgrade", "Upgrade": "websocket",
                    "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
                pending_http = pending_http + (b"",)
            elif kind == "http":
                _, method, target, headers, body = event
                pending_http = (method, target, headers, body.encode())
            elif kind == "skip":
                pending_http = None
            elif kind == "http-response" and pending_http:
                status, body = http(*pending_http)
                if status != event[1]:
                    failures.append(f"{pending_http[:2]}: status {status}, expected {event[1]}")
                check(f"{pending_http[:2]} body", body, event[2])
                pending_http = None
                checks += 1
            if kind in ("send", "recv", "connect") and event[1] not in long_lived \
                    and last_seen.get(event[1]) == index:
                ws = sockets.pop(event[1])
                await ws.close()
                if ws.close_code != 1000:
                    failures.append(f"{event[1]}: close echoed {ws.close_code}, expected 1000")
        for session, ws in sockets.items():
            try:
                extra = await asyncio.wait_for(ws.recv(), 0.5)
                failures.append(f"{session}: unexpected extra frame {extra}")
            except asyncio.TimeoutError:
                pass
            await ws.close()
        return checks


    count = asyncio.run(main())
    for failure in failures:
        print("FAIL", failure)
    print(f"replayed {count} checks, {len(failures)} failures")
    sys.exit(1 if failures else 0)
    """#
