// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension SharkfinRESTClient {
    /// The request `perform` would send; separate so tests can inspect it.
    func makeRequest(
        _ method: String,
        _ path: [String],
        json: JSONObject? = nil,
        query: [URLQueryItem] = []
    ) throws(SharkfinError) -> URLRequest {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)
        else { throw .invalidResponse(reason: "base URL \(baseURL) has no components") }
        // Each segment is escaped on its own, so a channel named "a/b" stays one segment.
        let escaped = path.map { segment in
            segment.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters)
                ?? segment
        }
        components.percentEncodedPath += "/" + escaped.joined(separator: "/")
        components.queryItems = query.isEmpty ? nil : query
        guard let url = components.url else {
            throw .invalidResponse(reason: "cannot form a URL for /\(path.joined(separator: "/"))")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = Self.seconds(timeout)
        request.setValue("ApiKey-v1 \(apiKey)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(JSONValue.object(json).serializedString().utf8)
        }
        return request
    }

    /// Sends one request and returns the body of a 2xx response.
    ///
    /// - Throws: `.http(status:body:)` for 400 and above, `.cancelled` when the Task was
    ///   cancelled, `.transport` for URLSession failures.
    func perform(
        _ method: String,
        _ path: [String],
        json: JSONObject? = nil,
        query: [URLQueryItem] = []
    ) async throws(SharkfinError) -> Data {
        let request = try makeRequest(method, path, json: json, query: query)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch let error as URLError where error.code == .cancelled {
            throw .cancelled
        } catch {
            if Task.isCancelled { throw .cancelled }
            throw .transport(error)
        }
        guard let http = response as? HTTPURLResponse else {
            throw .invalidResponse(reason: "not an HTTP response")
        }
        guard http.statusCode < 400 else {
            let text = String(decoding: data, as: UTF8.self)
            throw .http(status: http.statusCode, body: Self.trimmingTrailingWhitespace(text))
        }
        return data
    }

    /// Decodes a JSON body into `type`.
    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(SharkfinError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw .invalidResponse(reason: "\(T.self): \(error)")
        }
    }

    /// Parses a JSON body, keeping key order.
    func parse(_ data: Data) throws(SharkfinError) -> JSONValue {
        do {
            return try JSONValue(parsing: Array(data))
        } catch {
            throw .invalidResponse(reason: "\(error)")
        }
    }

    /// Path-segment characters left unescaped: RFC 3986 `pchar` without `/`.
    static let segmentCharacters: CharacterSet = {
        var set = CharacterSet.urlPathAllowed
        set.remove("/")
        set.remove(";")
        return set
    }()

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    static func trimmingTrailingWhitespace(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}

extension RESTMessage {
    /// Decodes one message object of a REST reply (see the type's note on `metadata`).
    init(decoding value: JSONValue) throws(SharkfinError) {
        guard case .object(let object) = value else {
            throw .invalidResponse(reason: "REST message is not a JSON object")
        }
        guard let id = object["id"]?.int64Value else {
            throw .invalidResponse(reason: "REST message has no integer id")
        }
        guard let body = object["body"]?.stringValue else {
            throw .invalidResponse(reason: "REST message has no string body")
        }
        guard let sentAt = object["sent_at"]?.stringValue else {
            throw .invalidResponse(reason: "REST message has no string sent_at")
        }
        self.init(
            id: id,
            from: object["from"]?.stringValue,
            body: body,
            sentAt: sentAt,
            threadID: object["thread_id"]?.int64Value,
            metadata: Self.metadata(object["metadata"])
        )
    }

    /// An object stays as is; JSON text is parsed; `null` or absence is nil.
    private static func metadata(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            if let parsed = try? JSONValue(parsing: Array(text.utf8)) { return parsed }
            return .string(text)
        case let other?: return other
        }
    }
}
