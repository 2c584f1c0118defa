// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A stateless client for Sharkfin's REST API (`/api/v1/...`): registration, channels,
/// messages and webhooks.
///
/// It holds no connection: each call is one HTTP request through `URLSession`, sent with
/// `Authorization: ApiKey-v1 <key>`. Messages posted here reach webhooks and `/presence`
/// pointers but produce no `message.new` push on `/ws` connections.
///
/// Failures are `SharkfinError`: a status of 400 or more becomes `.http(status:body:)`
/// with the server's plain-text body (see `isBadRequest`, `isNotFound`, ...), a URLSession
/// failure `.transport`, an unexpected body `.invalidResponse`, and Task cancellation
/// `.cancelled`.
public struct SharkfinRESTClient: Sendable {
    /// The server root, e.g. `http://127.0.0.1:16000`; paths are appended to it.
    public let baseURL: URL
    let apiKey: String
    let session: URLSession
    /// How long one HTTP request may take, connect included.
    public let timeout: Duration

    /// Creates a client for the server at `baseURL`.
    ///
    /// - Parameters:
    ///   - baseURL: The server root. A WebSocket URL (`ws://host:port/ws`) is accepted too
    ///     and converted as `SharkfinEndpoint.restBaseURL` describes.
    ///   - apiKey: Sent as `Authorization: ApiKey-v1 <apiKey>`; never logged.
    ///   - timeout: The limit for each request (default 30 seconds, as the Go client).
    ///   - session: The URLSession to use; tests pass one with stub protocol classes.
    public init(
        baseURL: URL,
        apiKey: String,
        timeout: Duration = .seconds(30),
        session: URLSession = .shared
    ) {
        self.baseURL = RESTBaseURL.derive(from: baseURL) ?? baseURL
        self.apiKey = apiKey
        self.timeout = timeout
        self.session = session
    }

    /// Registers (provisions) the calling identity and returns it.
    public func register() async throws(SharkfinError) -> RegisteredIdentity {
        let body = try await perform("POST", ["api", "v1", "auth", "register"])
        return try decode(RegisteredIdentity.self, from: body)
    }

    /// Lists the channels the caller can see, with their ids.
    public func listChannels() async throws(SharkfinError) -> [RESTChannel] {
        let body = try await perform("GET", ["api", "v1", "channels"])
        return try decode(NullableList<RESTChannel>.self, from: body).wrappedValue
    }

    /// Creates a channel (needs the `create_channel` permission).
    public func createChannel(
        name: String,
        isPublic: Bool
    ) async throws(SharkfinError) -> RESTChannel {
        let request: JSONObject = ["name": .string(name), "public": .bool(isPublic)]
        let body = try await perform("POST", ["api", "v1", "channels"], json: request)
        return try decode(RESTChannel.self, from: body)
    }

    /// Joins a channel by name. Fails with 404 when there is no such channel.
    public func joinChannel(_ channel: String) async throws(SharkfinError) {
        _ = try await perform("POST", ["api", "v1", "channels", channel, "join"])
    }

    /// Posts a message; the server refuses an empty body with 400.
    ///
    /// - Parameters:
    ///   - metadata: Sent as a JSON object (the WebSocket path wants a string instead).
    /// - Returns: The stored message: id, body, metadata and `sentAt` (no `from`).
    public func sendMessage(
        channel: String,
        body: String,
        threadID: Int64? = nil,
        metadata: JSONObject? = nil
    ) async throws(SharkfinError) -> RESTMessage {
        var request: JSONObject = ["body": .string(body)]
        if let threadID { _ = request.updateValue(JSONValue(threadID), forKey: "thread_id") }
        if let metadata { _ = request.updateValue(.object(metadata), forKey: "metadata") }
        let reply = try await perform(
            "POST",
            ["api", "v1", "channels", channel, "messages"],
            json: request
        )
        return try RESTMessage(decoding: parse(reply))
    }

    /// Lists a channel's messages in ascending id order.
    ///
    /// - Parameters:
    ///   - before: Only messages with a smaller id.
    ///   - after: Only messages with a greater id.
    ///   - limit: At most this many (the newest); the server accepts 1 to 200 and silently
    ///     uses its default of 50 for anything else.
    public func listMessages(
        channel: String,
        before: Int64? = nil,
        after: Int64? = nil,
        limit: Int? = nil
    ) async throws(SharkfinError) -> [RESTMessage] {
        var query: [URLQueryItem] = []
        if let before { query.append(URLQueryItem(name: "before", value: String(before))) }
        if let after { query.append(URLQueryItem(name: "after", value: String(after))) }
        if let limit { query.append(URLQueryItem(name: "limit", value: String(limit))) }
        let reply = try await perform(
            "GET",
            ["api", "v1", "channels", channel, "messages"],
            query: query
        )
        switch try parse(reply) {
        case .null: return []
        case .array(let items):
            var messages: [RESTMessage] = []
            messages.reserveCapacity(items.count)
            for item in items { messages.append(try RESTMessage(decoding: item)) }
            return messages
        default: throw .invalidResponse(reason: "message list is not a JSON array")
        }
    }

    /// Registers a webhook URL for the calling identity.
    public func registerWebhook(url: String) async throws(SharkfinError) -> Webhook {
        let reply = try await perform(
            "POST",
            ["api", "v1", "webhooks"],
            json: ["url": .string(url)]
        )
        return try decode(Webhook.self, from: reply)
    }

    /// Lists the caller's active webhooks.
    public func listWebhooks() async throws(SharkfinError) -> [Webhook] {
        let reply = try await perform("GET", ["api", "v1", "webhooks"])
        return try decode(NullableList<Webhook>.self, from: reply).wrappedValue
    }

    /// Removes one of the caller's webhooks.
    public func deleteWebhook(id: String) async throws(SharkfinError) {
        _ = try await perform("DELETE", ["api", "v1", "webhooks", id])
    }
}
