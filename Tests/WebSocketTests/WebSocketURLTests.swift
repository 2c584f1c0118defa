// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import WebSocket

@Suite struct WebSocketURLTests {
    @Test(
        arguments: [
            ("ws://127.0.0.1:16000/ws", "127.0.0.1", 16000, "/ws", "127.0.0.1:16000", false),
            ("WS://Example.com", "Example.com", 80, "/", "Example.com", false),
            ("ws://example.com:80/a?b=c", "example.com", 80, "/a?b=c", "example.com", false),
            (
                "ws://example.com?notifications_only=true", "example.com", 80,
                "/?notifications_only=true", "example.com", false
            ),
            ("wss://chat.example.org/ws", "chat.example.org", 443, "/ws", "chat.example.org", true),
            (
                "wss://chat.example.org:8443/ws", "chat.example.org", 8443, "/ws",
                "chat.example.org:8443", true
            ),
            ("ws://[::1]:9001/", "::1", 9001, "/", "[::1]:9001", false),
            ("ws://[2001:db8::1]/x", "2001:db8::1", 80, "/x", "[2001:db8::1]", false),
        ] as [(String, String, UInt16, String, String, Bool)]
    )
    func parses(
        text: String,
        host: String,
        port: UInt16,
        resource: String,
        hostHeader: String,
        secure: Bool
    ) throws {
        let url = try WebSocketURL(text)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.resourceName == resource)
        #expect(url.hostHeader == hostHeader)
        #expect(url.isSecure == secure)
    }

    @Test(arguments: [
        "example.com/ws", "ws://", "ws://:80/", "ws://host:0/", "ws://host:70000/", "ws://host:x/",
        "ws://user:pw@host/", "ws://host/#frag", "ws://[::1/", "ws://[nothex]/", "ws://ho st/",
        "ws://host/a b",
    ])
    func refusesInvalidURLs(text: String) {
        #expect(throws: WebSocketError.self) { try WebSocketURL(text) }
    }

    @Test func refusesOtherSchemes() {
        #expect(throws: WebSocketError.unsupportedScheme("http")) {
            try WebSocketURL("http://host/")
        }
    }
}
