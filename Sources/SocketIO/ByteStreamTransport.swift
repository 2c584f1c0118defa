// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import CLinux
import Glibc

/// What a non-blocking read or write on a transport achieved.
public enum TransportResult: Sendable, Equatable {
    /// This many bytes were read or written (never zero for reads; see `endOfStream`).
    case processed(Int)
    /// Nothing can be done until the descriptor shows this readiness. A TLS transport may
    /// need the socket writable to make progress on a read, and the other way round.
    case wouldBlock(IOInterest)
    /// The peer closed its side in an orderly way.
    case endOfStream
}

/// The seam between a `StreamConnection` and the bytes on the wire: plain sockets now, TLS
/// later. Used on the connection's loop thread only.
public protocol ByteStreamTransport: AnyObject {
    /// The socket underneath, for registration with the loop.
    var descriptor: Int32 { get }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> TransportResult
    func write(_ bytes: UnsafeRawBufferPointer) throws -> TransportResult
    /// Signals the end of our output (a FIN on a plain socket) while still reading.
    func shutdownOutput()
    /// Closes the descriptor. Called exactly once, after the loop has deregistered it.
    func close()
}

/// A plain stream socket. Owns its descriptor from `init` until `close()`.
public final class PlainSocketTransport: ByteStreamTransport {
    public let descriptor: Int32
    private var isClosed = false

    /// Takes ownership of a connected, non-blocking stream socket.
    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        assert(isClosed, "socket \(descriptor) leaked: its owner never closed it")
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> TransportResult {
        precondition(!isClosed, "read on closed socket")
        let fd = descriptor
        switch try nonBlockingCall("recv", { recv(fd, buffer.baseAddress, buffer.count, 0) }) {
        case .wouldBlock: return .wouldBlock(.readable)
        case .done(0): return .endOfStream
        case .done(let count): return .processed(count)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws -> TransportResult {
        precondition(!isClosed, "write on closed socket")
        let fd = descriptor
        // MSG_NOSIGNAL: a peer that went away gives EPIPE here instead of killing us.
        let flags = Int32(MSG_NOSIGNAL)
        switch try nonBlockingCall("send", { send(fd, bytes.baseAddress, bytes.count, flags) }) {
        case .wouldBlock: return .wouldBlock(.writable)
        case .done(let count): return .processed(count)
        }
    }

    public func shutdownOutput() {
        guard !isClosed else { return }
        _ = Glibc.shutdown(descriptor, Int32(SHUT_WR))
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = Glibc.close(descriptor)
    }
}

/// Who is on the other end of a Unix-domain socket, as the kernel reports it.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }

    /// Reads `SO_PEERCRED`; nil for sockets that have none (TCP).
    public init?(socket descriptor: Int32) {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        guard clinux_peer_credentials(descriptor, &pid, &uid, &gid) == 0 else { return nil }
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}
