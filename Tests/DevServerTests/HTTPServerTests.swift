// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import Testing

/// The HTTP layer over a raw socket (a Python client that writes exact bytes).
@Suite struct HTTPServerTests {
    /// Sends each argument's bytes on one connection and prints everything read back
    /// until the server closes or goes quiet for a second.
    static let rawExchange = #"""
        import socket, sys
        port = int(sys.argv[1])
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except socket.timeout:
            pass
        sys.stdout.write(data.decode("latin-1"))
        """#

    static func exchange(_ port: UInt16, _ request: String) async throws -> String {
        let result = try await PythonRunner.run(
            script: rawExchange,
            arguments: ["\(port)", request]
        )
        return result.output
    }

    @Test func keepAliveServesPipelinedRequestsInOrder() async throws {
        try await ServerHarness.with { harness in
            let auth = #"Authorization: ApiKey-v1 alice-key\r\n"#
            let output = try await Self.exchange(
                harness.port,
                #"GET /api/v1/webhooks HTTP/1.1\r\nHost: h\r\n"# + auth + #"\r\n"#
                    + #"GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n"#
                    + #"PUT /api/v1/webhooks HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"#
            )
            // "\r\n" is one Character in Swift, so split on newline characters.
            let statuses = output.split(whereSeparator: \.isNewline)
                .filter { $0.hasPrefix("HTTP/1.1 ") }
            #expect(
                statuses == [
                    "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 405 Method Not Allowed",
                ]
            )
            #expect(output.contains("404 page not found\n"))
            #expect(output.contains("Allow: GET, POST"))
        }
    }

    @Test func limitsAndMalformedRequestsCloseWithAStatus() async throws {
        try await ServerHarness.with { harness in
            let tooLong = try await Self.exchange(
                harness.port,
                #"POST /api/v1/webhooks HTTP/1.1\r\nContent-Length: 9999999\r\n\r\n"#
            )
            #expect(tooLong.hasPrefix("HTTP/1.1 413 "))
            #expect(tooLong.contains("Connection: close"))
            let garbage = try await Self.exchange(harness.port, #"HELLO\r\n\r\n"#)
            #expect(garbage.hasPrefix("HTTP/1.1 400 "))
            let header = String(repeating: "a", count: 17_000)
            let huge = try await Self.exchange(harness.port, "GET / HTTP/1.1\\r\\nX: \(header)")
            #expect(huge.hasPrefix("HTTP/1.1 431 "))
        }
    }

    @Test func upgradesCheckOriginAgainstHost() async throws {
        try await ServerHarness.with { harness in
            let upgrade =
                #"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\#(harness.port)\r\n"#
                + #"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"#
                + #"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"#
                + #"Authorization: ApiKey-v1 alice-key\r\n"#
            let foreign = try await Self.exchange(
                harness.port,
                upgrade + #"Origin: http://evil.example\r\n\r\n"#
            )
            #expect(foreign.hasPrefix("HTTP/1.1 403 "))
            let same = try await Self.exchange(
                harness.port,
                upgrade + #"Origin: http://127.0.0.1:\#(harness.port)\r\n\r\n"#
            )
            #expect(same.hasPrefix("HTTP/1.1 101 "))
            #expect(same.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
            let plain = try await Self.exchange(
                harness.port,
                #"GET /ws HTTP/1.1\r\nAuthorization: ApiKey-v1 alice-key\r\n\r\n"#
            )
            #expect(plain.hasPrefix("HTTP/1.1 400 "))
        }
    }
}
