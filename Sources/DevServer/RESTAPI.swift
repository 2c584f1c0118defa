// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// A REST call after HTTP parsing: method, decoded path, query and body.
struct RESTRequest: Sendable {
    var method: String
    /// The path without the query, still percent-encoded.
    var path: String
    /// The raw query string (after `?`), empty when none.
    var query: String
    var body: [UInt8]
}

/// A REST answer before HTTP framing.
struct RESTResponse: Sendable, Equatable {
    var status: Int
    /// `nil` for bodiless answers.
    var contentType: String?
    var body: [UInt8]
    /// Extra headers (`Allow` on 405).
    var headers: [(String, String)] = []
    /// A message stored through REST: `/presence` pointers only, never `/ws` pushes.
    var sentMessage: SentMessage? = nil
    var pointerRecipients: [String] = []

    static func == (lhs: RESTResponse, rhs: RESTResponse) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.sentMessage == rhs.sentMessage
    }

    /// Go's `http.Error`: plain text with a trailing newline.
    static func text(_ status: Int, _ message: String) -> RESTResponse {
        RESTResponse(
            status: status,
            contentType: "text/plain; charset=utf-8",
            body: Array((message + "\n").utf8),
            headers: [("X-Content-Type-Options", "nosniff")]
        )
    }

    /// The server's `writeJSON`: Go's encoder output plus a newline.
    static func json(_ status: Int, _ value: JSONValue) -> RESTResponse {
        RESTResponse(
            status: status,
            contentType: "application/json",
            body: GoEncoding.goSerialized(value) + [0x0A]
        )
    }

    static func empty(_ status: Int) -> RESTResponse {
        RESTResponse(status: status, contentType: nil, body: [])
    }

    /// The 401 bodies of the auth middleware, exactly as the server writes them.
    static func unauthorized(_ reason: String) -> RESTResponse {
        json(401, .object(["error": .string(reason)]))
    }
}

/// The REST endpoints a relay or bot uses, routed as the server's `ServeMux` routes them.
enum RESTRoute: Equatable {
    case register
    case listChannels
    case createChannel
    case joinChannel(String)
    case postMessage(String)
    case listMessages(String)
    case registerWebhook
    case listWebhooks
    case deleteWebhook(String)

    /// Matches a request; unknown paths give 404 and known paths with another method 405,
    /// both before authentication, as in Go.
    static func match(method: String, path: String) -> Result<RESTRoute, RESTFailure> {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map(String.init)
        var allowed: [String] = []
        func route(_ expected: String, _ value: RESTRoute) -> RESTRoute? {
            allowed.append(expected)
            return method == expected || (expected == "GET" && method == "HEAD") ? value : nil
        }
        var found: RESTRoute? = nil
        switch segments {
        case ["api", "v1", "auth", "register"]:
            found = route("POST", .register)
        case ["api", "v1", "channels"]:
            found = route("GET", .listChannels) ?? route("POST", .createChannel)
        case let s where s.count == 5 && s[0...2] == ["api", "v1", "channels"] && !s[3].isEmpty:
            guard let name = percentDecoded(s[3]) else { return .failure(.notFound) }
            if s[4] == "join" {
                found = route("POST", .joinChannel(name))
            } else if s[4] == "messages" {
                found = route("GET", .listMessages(name)) ?? route("POST", .postMessage(name))
            }
        case ["api", "v1", "webhooks"]:
            found = route("GET", .listWebhooks) ?? route("POST", .registerWebhook)
        case let s where s.count == 4 && s[0...2] == ["api", "v1", "webhooks"] && !s[3].isEmpty:
            guard let id = percentDecoded(s[3]) else { return .failure(.notFound) }
            found = route("DELETE", .deleteWebhook(id))
        default:
            break
        }
        if let found { return .success(found) }
        if allowed.isEmpty { return .failure(.notFound) }
        return .failure(.methodNotAllowed(allow: allowed))
    }

    /// Decodes `%XX` escapes; `nil` for a malformed escape or invalid UTF-8.
    static func percentDecoded(_ text: String, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue),
                    let low = iterator.next().flatMap(hexValue)
                else { return nil }
                bytes.append(high << 4 | low)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// The first value of `name` in a query string, as Go's `url.Query().Get`.
    static func queryValue(_ name: String, in query: String) -> String? {
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = percentDecoded(String(parts[0]), plusAsSpace: true), key == name
            else { continue }
            return parts.count > 1 ? percentDecoded(String(parts[1]), plusAsSpace: true) : ""
        }
        return nil
    }
}

/// Routing failures, answered before authentication.
enum RESTFailure: Error, Equatable {
    case notFound
    case methodNotAllowed(allow: [String])

    var response: RESTResponse {
        switch self {
        case .notFound:
            return .text(404, "404 page not found")
        case .methodNotAllowed(let allow):
            var response = RESTResponse.text(405, "Method Not Allowed")
            response.headers.append(("Allow", allow.joined(separator: ", ")))
            return response
        }
    }
}
