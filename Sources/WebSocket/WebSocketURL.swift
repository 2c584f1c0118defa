// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A parsed `ws://` or `wss://` URL (RFC 6455 §3).
///
/// Parsed by hand rather than with Foundation's `URL`, whose treatment of IPv6 literals and
/// empty paths differs between platforms. Accepted: a scheme (any case), a host name, IPv4
/// address or bracketed IPv6 literal, an optional port 1-65535, a path and a query. Refused:
/// user info (credentials belong in headers), fragments (§3 forbids them), empty hosts.
public struct WebSocketURL: Hashable, Sendable, CustomStringConvertible {
    /// `false` for `ws`, `true` for `wss`.
    public var isSecure: Bool
    /// The host without brackets, as given to the resolver: `example.com`, `::1`.
    public var host: String
    /// The port to connect to: the given one or 80 / 443.
    public var port: UInt16
    /// Path and query as sent in the request line; `/` when the URL had no path.
    public var resourceName: String

    /// Parses `string`.
    ///
    /// - Throws: `WebSocketError.invalidURL` with the reason, or `.unsupportedScheme` for a
    ///   scheme other than ws and wss.
    public init(_ string: String) throws(WebSocketError) {
        guard let schemeEnd = string.range(of: "://") else {
            throw .invalidURL("'\(string)' has no scheme (expected ws:// or wss://)")
        }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "ws": isSecure = false
        case "wss": isSecure = true
        default: throw .unsupportedScheme(scheme)
        }
        var rest = string[schemeEnd.upperBound...]
        if rest.contains("#") { throw .invalidURL("fragments are not allowed in WebSocket URLs") }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        if authority.contains("@") { throw .invalidURL("user info is not supported in the URL") }
        let defaultPort: UInt16 = isSecure ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidURL("unterminated IPv6 literal in '\(string)'")
            }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." })
            else { throw .invalidURL("'\(host)' is not an IPv6 address") }
            port = try Self.parsePort(
                authority[authority.index(after: close)...],
                default: defaultPort
            )
        } else {
            let colon = authority.firstIndex(of: ":")
            host = String(authority[..<(colon ?? authority.endIndex)])
            port = try Self.parsePort(
                authority[(colon ?? authority.endIndex)...],
                default: defaultPort
            )
            let allowed = host.allSatisfy {
                $0.isASCII && ($0.isLetter || $0.isNumber || "-._~%".contains($0))
            }
            guard allowed else { throw .invalidURL("'\(host)' is not a valid host name") }
        }
        if host.isEmpty { throw .invalidURL("'\(string)' has no host") }
        if rest.contains(where: { $0 == " " || $0.isNewline }) {
            throw .invalidURL("the path contains white space")
        }
        resourceName = rest.isEmpty ? "/" : (rest.hasPrefix("?") ? "/" + rest : String(rest))
    }

    /// Parses `:1234` (or nothing, giving `defaultPort`).
    private static func parsePort(
        _ text: Substring,
        default defaultPort: UInt16
    ) throws(WebSocketError)
        -> UInt16
    {
        if text.isEmpty { return defaultPort }
        guard text.hasPrefix(":"), let port = UInt16(text.dropFirst()), port > 0 else {
            throw .invalidURL("bad port '\(text.dropFirst())'")
        }
        return port
    }

    /// The scheme, `ws` or `wss`.
    public var scheme: String { isSecure ? "wss" : "ws" }

    /// The `Host` header value: brackets around IPv6 literals, the port only when it is not
    /// the scheme's default (RFC 7230 §5.4, RFC 6455 §4.1).
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        let isDefaultPort = port == (isSecure ? 443 : 80)
        return isDefaultPort ? name : "\(name):\(port)"
    }

    public var description: String { "\(scheme)://\(hostHeader)\(resourceName)" }
}
