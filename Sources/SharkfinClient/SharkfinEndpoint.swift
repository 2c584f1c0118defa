// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import WebSocket

/// Where a Sharkfin server is and how to authenticate to it.
public struct SharkfinEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The WebSocket URL, usually `ws://127.0.0.1:16000/ws` (deployments: `wss://…/ws`).
    /// A query such as `?notifications_only=true` is sent on every upgrade.
    public var url: WebSocketURL
    /// Sent as `Authorization: ApiKey-v1 <apiKey>` on the upgrade and on REST calls.
    /// Never logged, and left out of `description`.
    public var apiKey: String

    public init(url: WebSocketURL, apiKey: String) {
        self.url = url
        self.apiKey = apiKey
    }

    /// Parses `url` as a WebSocket URL.
    ///
    /// - Throws: `WebSocketError.invalidURL` or `.unsupportedScheme`.
    public init(url: String, apiKey: String) throws(WebSocketError) {
        self.init(url: try WebSocketURL(url), apiKey: apiKey)
    }

    /// The REST base: `ws`→`http`, `wss`→`https`, the trailing `/ws` and the query removed,
    /// so `wss://chat.example/ws` gives `https://chat.example`.
    public var restBaseURL: URL {
        let scheme = url.isSecure ? "https" : "http"
        let text = "\(scheme)://\(url.hostHeader)\(pathPrefix)"
        // The host header of a parsed WebSocketURL always forms a valid URL; the fallback
        // only keeps this property total.
        return URL(string: text) ?? URL(string: "\(scheme)://invalid.invalid")!
    }

    /// The URL for the server's WebSocket at `path` (`/ws` or `/presence`): the endpoint's
    /// path with its trailing `/ws` replaced by `path`, query kept.
    public func webSocketURL(path: String) -> WebSocketURL {
        var target = url
        let query = url.resourceName.firstIndex(of: "?").map { url.resourceName[$0...] } ?? ""
        let normalized = path.hasPrefix("/") ? path : "/" + path
        target.resourceName = pathPrefix + normalized + query
        return target
    }

    /// The endpoint's path without query, trailing slashes and the trailing `/ws`.
    private var pathPrefix: String {
        var path = Substring(
            url.resourceName.split(
                separator: "?",
                maxSplits: 1,
                omittingEmptySubsequences: false
            ).first ?? ""
        )
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/ws") { path.removeLast(3) }
        while path.hasSuffix("/") { path.removeLast() }
        return String(path)
    }

    public var description: String { "\(url) (API key hidden)" }
}
