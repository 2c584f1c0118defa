// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Derives the REST base URL from a WebSocket URL, the way the server lays out its routes:
/// `ws` becomes `http`, `wss` becomes `https`, and a trailing `/ws` (and trailing slashes
/// around it) are removed, so `wss://chat.example/ws` gives `https://chat.example`.
///
/// Query and fragment are dropped: `?notifications_only=true` belongs to the WebSocket.
/// `http` and `https` URLs pass through with the same trimming, so a server root works
/// too. Other schemes give nil.
enum RESTBaseURL {
    static func derive(from url: URL) -> URL? {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false),
            let scheme = components.scheme?.lowercased()
        else { return nil }
        switch scheme {
        case "ws", "http": components.scheme = "http"
        case "wss", "https": components.scheme = "https"
        default: return nil
        }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/ws") { path.removeLast(3) }
        while path.hasSuffix("/") { path.removeLast() }
        components.percentEncodedPath = path
        components.query = nil
        components.fragment = nil
        return components.url
    }
}
