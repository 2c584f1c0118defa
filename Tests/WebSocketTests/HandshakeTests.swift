// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import WebSocket

@Suite struct HandshakeTests {
    static let key = "dGhlIHNhbXBsZSBub25jZQ=="

    static func response(_ lines: [String], body: String = "") -> [UInt8] {
        Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    static let accepted = response([
        "HTTP/1.1 101 Switching Protocols", "Upgrade: WebSocket", "connection: keep-alive, Upgrade",
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
    ])

    static func handshake() throws -> WebSocketClientHandshake {
        let url = try WebSocketURL("ws://example.com:8080/ws?x=1")
        return try WebSocketClientHandshake(
            url: url,
            headers: [HTTPHeaderField(name: "Authorization", value: "ApiKey-v1 secret")],
            key: key
        )
    }

    /// Feeds `bytes` split at `split` and returns the first non-`needMoreBytes` step; bytes
    /// after an upgrade join its leftover, as the connection hands them to the frame parser.
    static func feed(_ bytes: [UInt8], split: Int, closeAtEnd: Bool = false) throws
        -> WebSocketClientHandshake.Step
    {
        var handshake = try handshake()
        for (index, part) in [bytes[..<split], bytes[split...]].enumerated() where !part.isEmpty {
            let step = handshake.bytesReceived(part)
            if case .upgraded(let leftover) = step, index == 0 {
                return .upgraded(leftover: leftover + bytes[split...])
            }
            if step != .needMoreBytes { return step }
        }
        return closeAtEnd ? handshake.transportClosed() : .needMoreBytes
    }

    @Test func computesTheRFCExampleAcceptValue() {
        #expect(WebSocketAccept.value(forKey: Self.key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func keysAreSixteenRandomBytesInBase64() {
        let key = WebSocketAccept.makeKey()
        #expect(key.count == 24 && key.hasSuffix("=="))
        #expect(key != WebSocketAccept.makeKey())
    }

    @Test func buildsTheUpgradeRequest() throws {
        let text = String(decoding: try Self.handshake().request, as: UTF8.self)
        #expect(
            text == "GET /ws?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: \(Self.key)\r\n"
                + "Sec-WebSocket-Version: 13\r\nAuthorization: ApiKey-v1 secret\r\n\r\n"
        )
    }

    @Test func refusesHeadersTheHandshakeOwnsOrThatWouldBreakTheRequest() throws {
        let url = try WebSocketURL("ws://h/")
        #expect(throws: WebSocketError.self) {
            try WebSocketClientHandshake(
                url: url,
                headers: [HTTPHeaderField(name: "Upgrade", value: "x")]
            )
        }
        #expect(throws: WebSocketError.self) {
            try WebSocketClientHandshake(
                url: url,
                headers: [HTTPHeaderField(name: "X", value: "a\r\nB: c")]
            )
        }
    }

    @Test func acceptsA101SplitAtEveryByteAndKeepsTheLeftoverFrames() throws {
        let frame: [UInt8] = [0x81, 0x02, 0x68, 0x69]
        let bytes = Self.accepted + frame
        for split in 0...bytes.count {
            #expect(
                try Self.feed(bytes, split: split) == .upgraded(leftover: frame),
                "split \(split)"
            )
        }
    }

    @Test(arguments: [
        [
            "HTTP/1.1 101 Switching Protocols", "Connection: Upgrade",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ],
        [
            "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ],
        ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade"],
        [
            "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Accept: AAAA",
        ],
        [
            "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            "Sec-WebSocket-Extensions: permessage-deflate",
        ],
        ["HTTP/1.1 1O1 Switching Protocols"],
        ["HTTP/1.1 101 OK", " folded: header"],
    ])
    func refusesAnInvalid101(lines: [String]) throws {
        let step = try Self.feed(Self.response(lines), split: 0)
        guard case .failed(.handshakeInvalid) = step else {
            Issue.record("\(lines): \(step)")
            return
        }
    }

    @Test func rejectionCarriesTheBodyByContentLengthAtEverySplit() throws {
        let body = #"{"error":"auth: invalid token"}"#
        let bytes = Self.response(
            [
                "HTTP/1.1 401 Unauthorized", "Content-Type: application/json",
                "Content-Length: \(body.utf8.count)",
            ],
            body: body
        )
        for split in 0...bytes.count {
            let step = try Self.feed(bytes, split: split)
            #expect(
                step
                    == .failed(.handshakeRejected(status: 401, reason: "Unauthorized", body: body)),
                "split \(split)"
            )
        }
    }

    @Test func rejectionBodyIsReadChunked() throws {
        let bytes = Self.response(
            ["HTTP/1.1 403 Forbidden", "Transfer-Encoding: chunked"],
            body: "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n"
        )
        for split in 0...bytes.count {
            let step = try Self.feed(bytes, split: split)
            #expect(
                step
                    == .failed(
                        .handshakeRejected(status: 403, reason: "Forbidden", body: "hello world")
                    )
            )
        }
    }

    @Test func rejectionBodyWithoutLengthIsReadUntilClose() throws {
        let bytes = Self.response(["HTTP/1.0 500 Internal Server Error"], body: "oops")
        #expect(try Self.feed(bytes, split: 10) == .needMoreBytes)
        #expect(
            try Self.feed(bytes, split: 10, closeAtEnd: true)
                == .failed(
                    .handshakeRejected(status: 500, reason: "Internal Server Error", body: "oops")
                )
        )
    }

    @Test func rejectionBodyIsBoundedTo64KiB() throws {
        var handshake = try Self.handshake()
        _ = handshake.bytesReceived(
            Self.response(["HTTP/1.1 400 Bad Request", "Content-Length: 100000"])[...]
        )
        let step = handshake.bytesReceived(Array(repeating: UInt8(ascii: "a"), count: 70000)[...])
        #expect(
            step
                == .failed(
                    .handshakeRejected(
                        status: 400,
                        reason: "Bad Request",
                        body: String(repeating: "a", count: 65536)
                    )
                )
        )
    }

    @Test func oversizedHeadIsRefused() throws {
        var handshake = try Self.handshake()
        let step = handshake.bytesReceived(Array(repeating: UInt8(ascii: "a"), count: 20000)[...])
        guard case .failed(.handshakeInvalid) = step else {
            Issue.record("\(step)")
            return
        }
    }

    @Test func closeBeforeTheAnswerIsAnInvalidHandshake() throws {
        var handshake = try Self.handshake()
        _ = handshake.bytesReceived(Array("HTTP/1.1 101".utf8)[...])
        guard case .failed(.handshakeInvalid) = handshake.transportClosed() else {
            Issue.record("expected handshakeInvalid")
            return
        }
    }

    @Test func serverSideParsesAndValidatesAnUpgradeRequest() throws {
        let request = try Self.handshake().request
        for split in 0...request.count {
            var parser = HTTPHeadParser()
            var step = parser.append(request[..<split])
            if step == .needMoreBytes { step = parser.append(request[split...]) }
            guard case .complete(let head, let leftover) = step else {
                Issue.record("split \(split): \(step)")
                continue
            }
            #expect(leftover.isEmpty)
            let upgrade = try WebSocketUpgradeRequest(head: head)
            #expect(upgrade.path == "/ws" && upgrade.target == "/ws?x=1")
            #expect(upgrade.headers.first(named: "authorization") == "ApiKey-v1 secret")
            #expect(try upgrade.validatedKey() == Self.key)
        }
    }

    @Test func serverResponseSatisfiesTheClient() throws {
        let response = try #require(
            WebSocketServerHandshake.switchingProtocolsResponse(key: Self.key)
        )
        #expect(try Self.feed(response, split: 3) == .upgraded(leftover: []))
        let rejection = WebSocketServerHandshake.rejectionResponse(
            status: 401,
            reason: "Unauthorized",
            body: Array(#"{"error":"x"}"#.utf8)
        )
        #expect(
            try Self.feed(rejection, split: 5)
                == .failed(
                    .handshakeRejected(status: 401, reason: "Unauthorized", body: #"{"error":"x"}"#)
                )
        )
    }

    @Test func serverSideRefusesBadUpgrades() throws {
        let upgrade = "Upgrade: websocket\r\nConnection: Upgrade"
        let key = "Sec-WebSocket-Key: \(Self.key)"
        let version = "Sec-WebSocket-Version: 13"
        let bad = [
            "POST /ws HTTP/1.1\r\nHost: h\r\n\(upgrade)\r\n\(key)\r\n\(version)",
            "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n\(key)\r\n\(version)",
            "GET /ws HTTP/1.1\r\nHost: h\r\n\(upgrade)\r\n\(key)\r\nSec-WebSocket-Version: 8",
            "GET /ws HTTP/1.1\r\nHost: h\r\n\(upgrade)\r\nSec-WebSocket-Key: c2g=\r\n\(version)",
            "GET /ws HTTP/1.0\r\nHost: h\r\n\(upgrade)\r\n\(key)\r\n\(version)",
        ]
        for text in bad {
            var parser = HTTPHeadParser()
            guard case .complete(let head, _) = parser.append(Array((text + "\r\n\r\n").utf8)[...])
            else {
                Issue.record("head not parsed")
                continue
            }
            #expect(throws: WebSocketError.self) {
                try WebSocketUpgradeRequest(head: head).validatedKey()
            }
        }
    }
}
