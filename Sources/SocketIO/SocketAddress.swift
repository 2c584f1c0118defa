// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import CLinux
import Glibc
import Synchronization

/// Errors of this layer that are not a plain failed system call.
public enum SocketIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A Unix socket path does not fit `sockaddr_un` (107 bytes plus the terminator).
    case socketPathTooLong(path: String, limit: Int)
    /// `getaddrinfo` could not resolve the host.
    case resolutionFailed(host: String, message: String)
    /// No address of the host accepted a connection before the timeout.
    case connectTimedOut(host: String, port: UInt16)
    /// Every address refused or failed; the last failure is attached.
    case connectFailed(host: String, port: UInt16, lastError: IOError)
    /// The connection attempt was cancelled by the caller.
    case cancelled

    public var description: String {
        switch self {
        case .socketPathTooLong(let path, let limit):
            "socket path is \(path.utf8.count) bytes, longer than the \(limit)-byte limit: \(path)"
        case .resolutionFailed(let host, let message):
            "cannot resolve \(host): \(message)"
        case .connectTimedOut(let host, let port):
            "connecting to \(host):\(port) timed out"
        case .connectFailed(let host, let port, let lastError):
            "cannot connect to \(host):\(port): \(lastError)"
        case .cancelled:
            "connection attempt cancelled"
        }
    }
}

/// A socket address that can be handed to `bind` and `connect`.
public struct SocketAddress: Sendable, CustomStringConvertible {
    var storage: sockaddr_storage
    var length: socklen_t

    public var family: Int32 { Int32(storage.ss_family) }

    /// The longest Unix socket path, not counting the terminating NUL.
    public static let maximumUnixPathLength =
        MemoryLayout<sockaddr_un>.size
        - MemoryLayout<sa_family_t>.size - 1

    /// A Unix-domain address for `path`.
    public init(unixPath path: String) throws(SocketIOError) {
        let bytes = Array(path.utf8)
        guard bytes.count <= Self.maximumUnixPathLength else {
            throw .socketPathTooLong(path: path, limit: Self.maximumUnixPathLength)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            withUnsafeBytes(of: &address) { source in target.copyMemory(from: source) }
        }
        self.storage = storage
        self.length = socklen_t(MemoryLayout<sockaddr_un>.size)
    }

    init(copying address: UnsafePointer<sockaddr>, length: socklen_t) {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length)))
        }
        self.storage = storage
        self.length = length
    }

    /// The port of an IPv4 or IPv6 address.
    public var port: UInt16? {
        var copy = storage
        return withUnsafeBytes(of: &copy) { raw -> UInt16? in
            switch Int32(storage.ss_family) {
            case AF_INET: UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
            case AF_INET6: UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
            default: nil
            }
        }
    }

    public var description: String {
        var copy = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafeBytes(of: &copy) { raw -> String in
            switch Int32(storage.ss_family) {
            case AF_INET:
                var address = raw.load(as: sockaddr_in.self).sin_addr
                inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
                return "\(Self.string(fromNulTerminated: text)):\(port ?? 0)"
            case AF_INET6:
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
                return "[\(Self.string(fromNulTerminated: text))]:\(port ?? 0)"
            case AF_UNIX:
                return "unix"
            default:
                return "family \(storage.ss_family)"
            }
        }
    }

    private static func string(fromNulTerminated characters: [CChar]) -> String {
        let bytes = characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Calls `body` with a `sockaddr` pointer and length for `bind`, `connect` and friends.
    public func withSockaddr<R, E: Error>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R
    ) throws(E) -> R {
        var copy = storage
        let length = self.length
        return try withUnsafeMutableBytes(of: &copy) { raw throws(E) in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// Resolves `host` with `getaddrinfo` for TCP. This blocks: call it off the loop and off
    /// the cooperative pool (see `TCPConnector`).
    public static func resolve(
        host: String,
        port: UInt16,
        passive: Bool = false
    ) throws(SocketIOError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        // Brackets around IPv6 literals belong to URLs, not to getaddrinfo.
        let bare =
            host.hasPrefix("[") && host.hasSuffix("]")
            ? String(host.dropFirst().dropLast()) : host
        let status = getaddrinfo(bare, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .resolutionFailed(host: host, message: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                addresses.append(SocketAddress(copying: address, length: entry.pointee.ai_addrlen))
            }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else {
            throw .resolutionFailed(host: host, message: "no addresses")
        }
        return addresses
    }
}

/// Creates a non-blocking, close-on-exec stream socket.
func makeStreamSocket(family: Int32) throws(IOError) -> Int32 {
    let type =
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        | Int32(SOCK_CLOEXEC.rawValue)
    return try systemCall("socket") { socket(family, type, 0) }
}

/// Serialises `umask` changes: the mask is process-wide, so two binds with different modes
/// must not interleave.
let umaskLock = Mutex(())
