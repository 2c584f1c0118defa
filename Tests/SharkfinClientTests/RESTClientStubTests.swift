// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import Synchronization
import Testing

@testable import SharkfinClient

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a stubbed server saw: one request.
struct RecordedRequest: Sendable {
    var method: String
    var url: String
    var headers: [String: String]
    var body: String?
}

/// Answers requests from canned responses keyed by host, so parallel tests do not share
/// state. Used only for request building and response mapping; the behaviour against a
/// server is covered by the DevServer integration tests.
final class StubURLProtocol: URLProtocol {
    struct Canned: Sendable {
        var status: Int
        var body: String
        var contentType = "application/json"
    }

    private static let state = Mutex<[String: (Canned, [RecordedRequest])]>([:])

    static func install(host: String, _ canned: Canned) {
        state.withLock { $0[host] = (canned, []) }
    }

    static func requests(host: String) -> [RecordedRequest] {
        state.withLock { $0[host]?.1 ?? [] }
    }

    override class func canInit(with request: URLRequest) -> Bool { true }

    override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

    override func startLoading() {
        let host = request.url?.host ?? ""
        var body: String?
        if let data = request.httpBody {
            body = String(decoding: data, as: UTF8.self)
        } else if let stream = request.httpBodyStream {
            body = String(decoding: Self.readAll(stream), as: UTF8.self)
        }
        let recorded = RecordedRequest(
            method: request.httpMethod ?? "",
            url: request.url?.absoluteString ?? "",
            headers: request.allHTTPHeaderFields ?? [:],
            body: body
        )
        let canned = Self.state.withLock { state -> Canned? in
            state[host]?.1.append(recorded)
            return state[host]?.0
        }
        guard let canned, let url = request.url else {
            client?.urlProtocol(self, didFailWithError: URLError(.cannotConnectToHost))
            return
        }
        let response = HTTPURLResponse(
            url: url,
            statusCode: canned.status,
            httpVersion: "HTTP/1.1",
            headerFields: ["Content-Type": canned.contentType]
        )!
        client?.urlProtocol(self, didReceive: response, cacheStoragePolicy: .notAllowed)
        client?.urlProtocol(self, didLoad: Data(canned.body.utf8))
        client?.urlProtocolDidFinishLoading(self)
    }

    override func stopLoading() {}

    private static func readAll(_ stream: InputStream) -> Data {
        stream.open()
        defer { stream.close() }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = stream.read(&buffer, maxLength: buffer.count)
            if count <= 0 { break }
            data.append(buffer, count: count)
        }
        return data
    }
}

@Suite struct RESTClientStubTests {
    /// A client whose requests go to the stub under a fresh host.
    private func client(
        _ canned: StubURLProtocol.Canned,
        base: String = "ws://HOST:16000/ws"
    ) -> (SharkfinRESTClient, String) {
        let host = "stub-\(UUID().uuidString.lowercased())"
        StubURLProtocol.install(host: host, canned)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [StubURLProtocol.self]
        let rest = SharkfinRESTClient(
            baseURL: URL(string: base.replacingOccurrences(of: "HOST", with: host))!,
            apiKey: "key-alice",
            session: URLSession(configuration: configuration)
        )
        return (rest, host)
    }

    @Test func registerSendsTheAPIKeyAndDecodesTheIdentity() async throws {
        let (rest, host) = client(
            .init(
                status: 201,
                body: #"{"id":"bb3f","role":"admin","type":"user","username":"alice"}"# + "\n"
            )
        )
        #expect(rest.baseURL.absoluteString == "http://\(host):16000")
        let identity = try await rest.register()
        #expect(
            identity
                == RegisteredIdentity(
                    id: "bb3f",
                    username: "alice",
                    type: "user",
                    role: "admin"
                )
        )
        let request = try #require(StubURLProtocol.requests(host: host).first)
        #expect(request.method == "POST")
        #expect(request.url == "http://\(host):16000/api/v1/auth/register")
        #expect(request.headers["Authorization"] == "ApiKey-v1 key-alice")
    }

    @Test func plainTextErrorsBecomeHTTPErrors() async throws {
        let (rest, _) = client(
            .init(
                status: 404,
                body: "channel not found\n",
                contentType: "text/plain; charset=utf-8"
            )
        )
        do {
            _ = try await rest.sendMessage(channel: "no-such", body: "x")
            Issue.record("expected a 404")
        } catch {
            #expect(error.isNotFound)
            guard case .http(let status, let body) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(status == 404)
            #expect(body == "channel not found")
        }
    }

    @Test func sendMessagePostsMetadataAsAnObjectAndEscapesTheChannel() async throws {
        let (rest, host) = client(
            .init(
                status: 201,
                body: #"{"body":"via REST","id":7,"metadata":{"src":"rest"},"#
                    + #""sent_at":"2026-12-03T15:34:17Z"}"#
            )
        )
        let message = try await rest.sendMessage(
            channel: "a b/c",
            body: "via REST",
            threadID: 3,
            metadata: ["src": "rest"]
        )
        #expect(message.id == 7)
        #expect(message.from == nil)
        #expect(message.metadata == .object(["src": "rest"]))
        let request = try #require(StubURLProtocol.requests(host: host).first)
        #expect(request.url == "http://\(host):16000/api/v1/channels/a%20b%2Fc/messages")
        #expect(request.body == #"{"body":"via REST","thread_id":3,"metadata":{"src":"rest"}}"#)
        #expect(request.headers["Content-Type"] == "application/json")
    }

    @Test func listMessagesParsesStringMetadataAndBuildsTheQuery() async throws {
        let (rest, host) = client(
            .init(
                status: 200,
                body: #"[{"id":6,"from":"alice","body":"hi","sent_at":"2026-12-03T15:34:17Z"},"#
                    + #"{"id":7,"from":"alice","body":"via REST","metadata":"{\"src\":\"rest\"}","#
                    + #""sent_at":"2026-12-03T15:34:17Z"}]"# + "\n"
            )
        )
        let messages = try await rest.listMessages(channel: "smoke", after: 5, limit: 2)
        #expect(messages.map(\.id) == [6, 7])
        #expect(messages[0].metadata == nil)
        #expect(messages[1].metadata == .object(["src": "rest"]))
        #expect(messages[1].from == "alice")
        let request = try #require(StubURLProtocol.requests(host: host).first)
        let expected = "http://\(host):16000/api/v1/channels/smoke/messages?after=5&limit=2"
        #expect(request.url == expected)
        #expect(request.method == "GET")
    }

    @Test func channelListIncludesIDs() async throws {
        let (rest, _) = client(
            .init(
                status: 200,
                body: #"[{"id":1,"name":"general","public":true,"member":true}]"#
            )
        )
        let channels = try await rest.listChannels()
        #expect(channels == [RESTChannel(id: 1, name: "general", isPublic: true, isMember: true)])
    }

    @Test func nullListsDecodeAsEmpty() async throws {
        let (rest, _) = client(.init(status: 200, body: "null\n"))
        #expect(try await rest.listWebhooks().isEmpty)
        #expect(try await rest.listMessages(channel: "x").isEmpty)
    }

    @Test func deleteWebhookAcceptsNoContent() async throws {
        let (rest, host) = client(.init(status: 204, body: ""))
        try await rest.deleteWebhook(id: "w1")
        let request = try #require(StubURLProtocol.requests(host: host).first)
        #expect(request.method == "DELETE")
        #expect(request.url.hasSuffix("/api/v1/webhooks/w1"))
    }

    @Test func malformedBodiesAreInvalidResponses() async throws {
        let (rest, _) = client(.init(status: 201, body: "<html>"))
        do {
            _ = try await rest.registerWebhook(url: "http://x")
            Issue.record("expected invalidResponse")
        } catch {
            guard case .invalidResponse = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }
}
