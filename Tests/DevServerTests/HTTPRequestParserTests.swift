// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import DevServer

@Suite struct HTTPRequestParserTests {
    static let pipelined = Array(
        ("POST /api/v1/channels HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /ws?notifications_only=true HTTP/1.1\r\nAuthorization:  ApiKey-v1 k \r\n"
            + "Connection: Upgrade\r\n\r\n"
            + "\u{1}\u{2}").utf8
    )

    static func parseAll(_ chunks: [ArraySlice<UInt8>]) throws -> ([HTTPRequest], [UInt8]) {
        var parser = HTTPRequestParser()
        var requests: [HTTPRequest] = []
        for chunk in chunks {
            parser.feed(chunk)
            while let request = try parser.nextRequest() { requests.append(request) }
        }
        return (requests, parser.takeLeftover())
    }

    @Test func parsesPipelinedRequestsWhateverTheSplit() throws {
        let bytes = Self.pipelined
        let (expected, leftover) = try Self.parseAll([bytes[...]])
        #expect(expected.count == 2)
        #expect(expected[0].body == Array("hello".utf8))
        #expect(expected[1].path == "/ws")
        #expect(expected[1].query == "notifications_only=true")
        #expect(expected[1].header("authorization") == "ApiKey-v1 k")
        #expect(!expected[1].keepsAlive || expected[1].header("Connection") == "Upgrade")
        #expect(leftover == [1, 2])
        for split in 1..<bytes.count {
            let (requests, rest) = try Self.parseAll([bytes[..<split], bytes[split...]])
            #expect(requests == expected, "split at \(split)")
            #expect(rest == leftover, "split at \(split)")
        }
        let (oneByOne, rest) = try Self.parseAll(bytes.indices.map { bytes[$0...$0] })
        #expect(oneByOne == expected)
        #expect(rest == leftover)
        for size in 2...16 {
            let chunks = stride(from: 0, to: bytes.count, by: size).map {
                bytes[$0..<min($0 + size, bytes.count)]
            }
            #expect(try Self.parseAll(chunks).0 == expected, "chunks of \(size)")
        }
    }

    @Test func refusesMalformedAndOversizedRequests() {
        func error(_ text: String) -> HTTPParseError? {
            var parser = HTTPRequestParser()
            parser.feed(Array(text.utf8))
            do {
                _ = try parser.nextRequest()
                return nil
            } catch {
                return error
            }
        }
        #expect(error("GET /\r\n\r\n")?.status == 400)
        #expect(error("get / HTTP/1.1\r\n\r\n")?.status == 400)
        #expect(error("GET / HTTP/2\r\n\r\n")?.status == 400)
        #expect(error("GET / HTTP/1.1\r\nNo colon\r\n\r\n")?.status == 400)
        #expect(error("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n")?.status == 400)
        #expect(error("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")?.status == 400)
        #expect(
            error("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")?.status
                == 400
        )
        #expect(error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")?.status == 400)
        #expect(error("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n")?.status == 413)
        #expect(
            error("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 20_000))")?.status == 431
        )
        #expect(
            error("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 20_000))\r\n\r\n")?.status
                == 431
        )
    }

    @Test func keepAliveFollowsVersionAndConnectionHeader() throws {
        func request(_ version: String, _ connection: String?) throws -> HTTPRequest {
            var parser = HTTPRequestParser()
            let header = connection.map { "Connection: \($0)\r\n" } ?? ""
            parser.feed(Array("GET / \(version)\r\n\(header)\r\n".utf8))
            return try #require(try parser.nextRequest())
        }
        #expect(try request("HTTP/1.1", nil).keepsAlive)
        #expect(try !request("HTTP/1.1", "close").keepsAlive)
        #expect(try !request("HTTP/1.0", nil).keepsAlive)
        #expect(try request("HTTP/1.0", "Keep-Alive").keepsAlive)
    }

    @Test func skipsBlankLinesBeforeARequestAndKeepsTheHeadForTheUpgrade() throws {
        var parser = HTTPRequestParser()
        parser.feed(Array("\r\n\r\nGET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n".utf8))
        let request = try #require(try parser.nextRequest())
        #expect(request.path == "/ws")
        #expect(request.head.startLine == "GET /ws HTTP/1.1")
        #expect(request.header("upgrade") == "websocket")
    }
}
