// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// A client's HTTP request head as the server side of the handshake sees it (§4.2.1).
///
/// The devserver reads one with `HTTPHeadParser`, decides on the path and credentials
/// itself, then calls `validatedKey()` and answers with `switchingProtocolsResponse`.
public struct WebSocketUpgradeRequest: Hashable, Sendable {
    public var method: String
    /// The request target: path and query, as the client sent it.
    public var target: String
    public var version: String
    public var headers: [HTTPHeaderField]

    /// Reads the request line of `head`.
    ///
    /// - Throws: `handshakeInvalid` if the request line is malformed.
    public init(head: HTTPHead) throws(WebSocketError) {
        let parts = head.startLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].hasPrefix("/") || parts[1] == "*",
            parts[2].hasPrefix("HTTP/")
        else { throw .handshakeInvalid("malformed request line '\(head.startLine)'") }
        method = String(parts[0])
        target = String(parts[1])
        version = String(parts[2])
        headers = head.headers
    }

    /// The path part of `target`, without the query.
    public var path: String { String(target.prefix { $0 != "?" }) }

    /// Checks the upgrade rules of §4.2.1 and returns the client's `Sec-WebSocket-Key`.
    ///
    /// - Throws: `handshakeInvalid` naming the first rule broken. A wrong
    ///   `Sec-WebSocket-Version` deserves a 426 answer with `Sec-WebSocket-Version: 13`
    ///   (§4.4); the rest a 400.
    public func validatedKey() throws(WebSocketError) -> String {
        guard method == "GET" else { throw .handshakeInvalid("method \(method) is not GET") }
        guard version == "HTTP/1.1" else { throw .handshakeInvalid("\(version) is not HTTP/1.1") }
        guard headers.first(named: "Host") != nil else { throw .handshakeInvalid("no Host header") }
        guard headers.tokens(named: "Upgrade").contains("websocket") else {
            throw .handshakeInvalid("no 'Upgrade: websocket'")
        }
        guard headers.tokens(named: "Connection").contains("upgrade") else {
            throw .handshakeInvalid("no 'Connection: Upgrade'")
        }
        guard headers.first(named: "Sec-WebSocket-Version") == "13" else {
            throw .handshakeInvalid("Sec-WebSocket-Version is not 13")
        }
        guard let key = headers.first(named: "Sec-WebSocket-Key"),
            let decoded = Data(base64Encoded: key), decoded.count == 16
        else { throw .handshakeInvalid("Sec-WebSocket-Key is not 16 bytes in base64") }
        return key
    }
}

/// The server's answers in the opening handshake.
public enum WebSocketServerHandshake {
    /// The `101 Switching Protocols` answer accepting `key`, with any extra headers.
    ///
    /// - Returns: `nil` only if the SHA-1 digest fails (a broken libcrypto).
    public static func switchingProtocolsResponse(
        key: String,
        headers: [HTTPHeaderField] = []
    ) -> [UInt8]? {
        guard let accept = WebSocketAccept.value(forKey: key) else { return nil }
        var text = "HTTP/1.1 101 Switching Protocols\r\n"
        text += "Upgrade: websocket\r\n"
        text += "Connection: Upgrade\r\n"
        text += "Sec-WebSocket-Accept: \(accept)\r\n"
        for field in headers where field.isWellFormed {
            text += "\(field.name): \(field.value)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// A complete refusal such as `401 Unauthorized` with a JSON body; the server closes the
    /// connection after writing it (`Connection: close`).
    public static func rejectionResponse(
        status: Int,
        reason: String,
        headers: [HTTPHeaderField] = [],
        body: [UInt8] = [],
        contentType: String = "application/json"
    ) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reason)\r\n"
        if !body.isEmpty { text += "Content-Type: \(contentType)\r\n" }
        text += "Content-Length: \(body.count)\r\n"
        text += "Connection: close\r\n"
        for field in headers where field.isWellFormed {
            text += "\(field.name): \(field.value)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8) + body
    }
}
