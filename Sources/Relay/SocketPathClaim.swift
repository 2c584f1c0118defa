// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

#if canImport(Glibc)
import Glibc
#endif

/// Makes a Unix socket path ready to bind, without ever taking it from a live relay.
///
/// A file left at the path by a relay that died is *stale*: connecting to it fails with
/// `ECONNREFUSED`, and it is removed. A socket that accepts the connection (or whose
/// backlog is full, `EAGAIN`) belongs to a live relay, and the claim fails with
/// ``SocketPathClaimError/inUse(path:)``. A file that is not a socket is never removed.
///
/// Known limit: two relays claiming the same stale path at the same instant can both
/// remove it and one will lose its socket file; start relays for one path from one
/// supervisor (systemd socket activation avoids the question entirely).
public enum SocketPathClaim {
    /// What the claim found at the path.
    public enum Outcome: Sendable, Equatable {
        /// Nothing was there.
        case free
        /// A stale socket was there and has been removed.
        case replacedStale
    }

    /// Checks `path` and removes a stale socket; the caller then binds it.
    ///
    /// - Throws: ``SocketPathClaimError``.
    @discardableResult
    public static func claim(path: String) throws(SocketPathClaimError) -> Outcome {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return .free }
            throw .system(call: "lstat(\(path))", errno: errno)
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw .notASocket(path: path) }
        switch try probe(path) {
        case .listening:
            throw .inUse(path: path)
        case .gone:
            return .free
        case .refused:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw .system(call: "unlink(\(path))", errno: errno)
            }
            return .replacedStale
        }
    }

    private enum Probe {
        case listening
        case refused
        case gone
    }

    /// Connects once to the socket at `path` (a Unix connect never waits on the network).
    private static func probe(_ path: String) throws(SocketPathClaimError) -> Probe {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard bytes.count < capacity else {
            throw .pathTooLong(path: path, limit: capacity - 1)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket(AF_UNIX)", errno: errno) }
        defer { close(fd) }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result == 0 { return .listening }
        switch errno {
        case ECONNREFUSED: return .refused
        case EAGAIN: return .listening
        case ENOENT: return .gone
        case let code: throw .system(call: "connect(\(path))", errno: code)
        }
    }
}

/// Why a socket path cannot be claimed.
public enum SocketPathClaimError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A live relay (or another program) accepts connections there.
    case inUse(path: String)
    /// Something other than a socket is at the path; it is left alone.
    case notASocket(path: String)
    /// The path does not fit in `sockaddr_un`.
    case pathTooLong(path: String, limit: Int)
    /// A system call failed.
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .inUse(let path):
            "another relay is serving \(path)"
        case .notASocket(let path):
            "\(path) exists and is not a socket; remove it or choose another path"
        case .pathTooLong(let path, let limit):
            "socket path \(path) is longer than \(limit) bytes"
        case .system(let call, let code):
            "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}
