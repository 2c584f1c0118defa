// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Collects an HTTP response body, keeping at most `limit` bytes of it.
///
/// Framing per RFC 7230 §3.3.3: no body for 1xx, 204 and 304; chunked transfer coding when
/// announced; else `Content-Length`; else everything until the server closes. Collection
/// stops once the body is complete or `limit` bytes are kept, whichever comes first (the
/// rest of a huge body is not worth waiting for). A malformed chunked body ends the
/// collection with what was decoded so far.
struct HTTPBodyReader: Sendable {
    private enum Framing: Sendable {
        case none
        case length(remaining: Int)
        case chunked(ChunkState)
        case untilClose
    }

    private enum ChunkState: Sendable {
        case sizeLine(String)
        case data(remaining: Int)
        case dataEnd(crSeen: Bool)
        case trailers(lineLength: Int)
    }

    let limit: Int
    private(set) var body: [UInt8] = []
    private var framing: Framing
    private var isComplete = false

    init(headers: [HTTPHeaderField], status: Int, limit: Int) {
        self.limit = limit
        if (100..<200).contains(status) || status == 204 || status == 304 {
            framing = .none
        } else if headers.tokens(named: "Transfer-Encoding").last == "chunked" {
            framing = .chunked(.sizeLine(""))
        } else if let text = headers.first(named: "Content-Length"), let length = Int(text),
            length >= 0
        {
            framing = .length(remaining: length)
        } else {
            framing = .untilClose
        }
        if case .none = framing { isComplete = true }
        if case .length(0) = framing { isComplete = true }
    }

    /// Adds bytes; `true` once the body is complete (or the limit reached).
    mutating func append(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !isComplete else { return true }
        switch framing {
        case .none:
            isComplete = true
        case .length(let remaining):
            let taken = bytes.prefix(remaining)
            keep(taken)
            framing = .length(remaining: remaining - taken.count)
            isComplete = remaining == taken.count
        case .chunked(let chunkState):
            decodeChunked(bytes, chunkState)
        case .untilClose:
            keep(bytes)
        }
        if body.count >= limit { isComplete = true }
        return isComplete
    }

    private mutating func keep(_ bytes: ArraySlice<UInt8>) {
        body.append(contentsOf: bytes.prefix(limit - body.count))
    }

    private mutating func decodeChunked(_ bytes: ArraySlice<UInt8>, _ start: ChunkState) {
        var chunkState = start
        var input = bytes
        while !input.isEmpty && !isComplete {
            switch chunkState {
            case .sizeLine(var line):
                let byte = input.removeFirst()
                guard byte == 0x0A else {
                    if byte != 0x0D { line.append(Character(UnicodeScalar(byte))) }
                    guard line.count <= 64 else { return stop() }
                    chunkState = .sizeLine(line)
                    continue
                }
                let hex = line.split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(hex.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0
                else { return stop() }
                chunkState = size == 0 ? .trailers(lineLength: 0) : .data(remaining: size)
            case .data(let remaining):
                let taken = input.prefix(remaining)
                keep(taken)
                input.removeFirst(taken.count)
                chunkState =
                    remaining == taken.count
                    ? .dataEnd(crSeen: false) : .data(remaining: remaining - taken.count)
            case .dataEnd(let crSeen):
                let byte = input.removeFirst()
                if byte == 0x0D && !crSeen {
                    chunkState = .dataEnd(crSeen: true)
                } else if byte == 0x0A {
                    chunkState = .sizeLine("")
                } else {
                    return stop()
                }
            case .trailers(let lineLength):
                let byte = input.removeFirst()
                if byte == 0x0A {
                    if lineLength == 0 { return stop() }
                    chunkState = .trailers(lineLength: 0)
                } else if byte != 0x0D {
                    chunkState = .trailers(lineLength: lineLength + 1)
                }
            }
        }
        framing = .chunked(chunkState)
    }

    private mutating func stop() {
        isComplete = true
    }
}
