// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// One event of the recorded transcript.
enum TranscriptEvent: Equatable {
    /// `>>> who: frame` on a WebSocket.
    case send(session: String, frame: String)
    /// `<<< who: frame` on a WebSocket.
    case receive(session: String, frame: String)
    /// `[t] who: connected /path`.
    case connected(session: String, path: String)
    /// `>>> HTTP METHOD target {headers} [body]` (REST with JSON headers only).
    case http(method: String, target: String, headers: [String: String], body: String)
    /// `<<< HTTP status ... 'body'`.
    case httpResponse(status: Int, body: String)
}

/// Parses the transcript's line format.
enum Transcript {
    static func events(_ text: String = upstreamTranscript) -> [TranscriptEvent] {
        text.split(separator: "\n").compactMap { parse(String($0)) }
    }

    static func parse(_ line: String) -> TranscriptEvent? {
        if line.hasPrefix(">>> HTTP ") {
            return parseHTTPRequest(String(line.dropFirst(9)))
        }
        if line.hasPrefix("<<< HTTP ") {
            let rest = line.dropFirst(9)
            guard let status = Int(rest.prefix(3)),
                let first = rest.firstIndex(of: "'"), let last = rest.lastIndex(of: "'"),
                first < last
            else { return nil }
            let quoted = String(rest[rest.index(after: first)..<last])
            return .httpResponse(status: status, body: unescapePython(quoted))
        }
        if line.hasPrefix(">>> WS upgrade") { return nil }
        for (prefix, isSend) in [(">>> ", true), ("<<< ", false)] where line.hasPrefix(prefix) {
            let rest = line.dropFirst(4)
            guard let colon = rest.firstRange(of: ": ") else { return nil }
            let session = String(rest[..<colon.lowerBound])
            let frame = String(rest[colon.upperBound...])
            return isSend
                ? .send(session: session, frame: frame)
                : .receive(session: session, frame: frame)
        }
        if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
            let rest = line[line.index(after: close)...].trimmingPrefix(" ")
            guard let marker = rest.firstRange(of: ": connected ") else { return nil }
            let session = String(rest[..<marker.lowerBound])
            let path = rest[marker.upperBound...].split(separator: " ").first.map(String.init)
            return .connected(session: session, path: path ?? "")
        }
        return nil
    }

    private static func parseHTTPRequest(_ text: String) -> TranscriptEvent? {
        let parts = text.split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[2].hasPrefix("{") else { return nil }
        let bytes = Array(parts[2].utf8)
        guard let end = balancedEnd(bytes),
            case .object(let headerObject)? = try? JSONValue(parsing: bytes[..<end])
        else { return nil }
        var headers: [String: String] = [:]
        for (key, value) in headerObject { headers[key] = value.stringValue }
        let body = String(decoding: bytes[end...], as: UTF8.self).trimmingPrefix(" ")
        return .http(method: parts[0], target: parts[1], headers: headers, body: String(body))
    }

    /// The index just past the JSON object starting at 0.
    private static func balancedEnd(_ bytes: [UInt8]) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for (index, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == 0x5C {
                    escaped = true
                } else if byte == 0x22 {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x22: inString = true
            case 0x7B: depth += 1
            case 0x7D:
                depth -= 1
                if depth == 0 { return index + 1 }
            default: break
            }
        }
        return nil
    }

    /// Undoes Python's `repr` escapes in a single-quoted bytes/str literal.
    static func unescapePython(_ text: String) -> String {
        var out = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "\\", let next = iterator.next() else {
                out.append(character)
                continue
            }
            switch next {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            default: out.append(next)
            }
        }
        return out
    }

    /// A frame with what differs between runs blanked out: times, random ids and
    /// database error texts. Key order is kept, so comparing serializations checks it.
    static func normalized(_ frame: String) -> String {
        guard let value = try? JSONValue(parsing: Array(frame.utf8)) else { return frame }
        return normalize(value, key: nil).serializedString()
    }

    private static func normalize(_ value: JSONValue, key: String?) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(
                JSONObject(object.members.map { ($0.key, normalize($0.value, key: $0.key)) })
            )
        case .array(let elements):
            return .array(elements.map { normalize($0, key: nil) })
        case .string(let string):
            if key == "sent_at" || key == "created_at" { return "<time>" }
            if key == "id", string.count == 32 { return "<hex id>" }
            if key == "message", string.contains("ERROR:") { return "<database error>" }
            return value
        case .null, .bool, .number:
            return value
        }
    }
}
