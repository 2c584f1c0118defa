// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import CLinux
import Foundation
import Glibc
import Synchronization

/// Opens outgoing stream connections without blocking any loop or the cooperative pool.
public enum TCPConnector {
    /// Resolves `host` (on a short-lived thread of its own, since `getaddrinfo` blocks),
    /// then tries each address in turn with a non-blocking `connect` until one answers,
    /// all within `timeout`.
    ///
    /// The socket gets `TCP_NODELAY` (envelopes are small and latency matters) and TCP
    /// keepalive (30 s idle, 10 s between probes, 3 probes). `transportFactory` wraps the connected descriptor, which is how a
    /// TLS transport will slot in.
    public static func connect(
        host: String,
        port: UInt16,
        timeout: Duration,
        on loop: EventLoop,
        transportFactory: @escaping @Sendable (Int32) throws -> any ByteStreamTransport = {
            PlainSocketTransport(descriptor: $0)
        }
    ) async throws -> StreamConnection {
        let deadline = ContinuousClock.now + timeout
        let addresses = try await resolveOffLoop(host: host, port: port)
        var lastError = IOError(call: "connect", errno: ECONNREFUSED)
        for address in addresses {
            try Task.checkCancellation()
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { break }
            let attempt = ConnectAttempt(address: address, loop: loop)
            do {
                let fd = try await attempt.run(timeout: remaining)
                let transport: any ByteStreamTransport
                do {
                    transport = try transportFactory(fd)
                } catch {
                    Glibc.close(fd)
                    throw error
                }
                return StreamConnection(
                    transport: transport,
                    loop: loop,
                    remoteDescription: address.description
                )
            } catch let error as IOError {
                lastError = error
            } catch SocketIOError.connectTimedOut {
                break
            }
        }
        if ContinuousClock.now >= deadline {
            throw SocketIOError.connectTimedOut(host: host, port: port)
        }
        throw SocketIOError.connectFailed(host: host, port: port, lastError: lastError)
    }

    private static func resolveOffLoop(host: String, port: UInt16) async throws -> [SocketAddress] {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(
                        returning: try SocketAddress.resolve(host: host, port: port)
                    )
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "resolve \(host)"
            thread.start()
        }
    }
}

/// Connects to Unix-domain stream sockets.
public enum UnixConnector {
    /// Connects to the socket at `path`. A full backlog (`EAGAIN`) is retried until
    /// `timeout`; a missing socket or nobody listening fails at once.
    public static func connect(
        path: String,
        timeout: Duration = .seconds(5),
        on loop: EventLoop
    ) async throws -> StreamConnection {
        let address = try SocketAddress(unixPath: path)
        let deadline = ContinuousClock.now + timeout
        while true {
            let fd = try makeStreamSocket(family: AF_UNIX)
            do throws(IOError) {
                _ = try address.withSockaddr { pointer, length throws(IOError) in
                    try systemCall("connect(\(path))") { Glibc.connect(fd, pointer, length) }
                }
                return StreamConnection(
                    transport: PlainSocketTransport(descriptor: fd),
                    loop: loop,
                    remoteDescription: "unix:\(path)"
                )
            } catch  where error.errno == EAGAIN && ContinuousClock.now < deadline {
                Glibc.close(fd)
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                Glibc.close(fd)
                throw error
            }
        }
    }
}

/// One non-blocking `connect` to one address, finished on the loop when the socket turns
/// writable or the timeout passes.
private final class ConnectAttempt: IOEventHandler, @unchecked Sendable {
    // Invariant for @unchecked Sendable: `descriptor`, `continuation` and `timer` are
    // touched only on `loop`'s thread after `run` hands over to it.

    let address: SocketAddress
    let loop: EventLoop
    private var descriptor: Int32 = -1
    private var continuation: CheckedContinuation<Int32, any Error>?
    private var timer: ScheduledTask?

    init(address: SocketAddress, loop: EventLoop) {
        self.address = address
        self.loop = loop
    }

    /// Returns the connected descriptor, which the caller then owns.
    func run(timeout: Duration) async throws -> Int32 {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                loop.execute { self.begin(continuation, timeout: timeout) }
            }
        } onCancel: {
            loop.execute { self.finish(.failure(SocketIOError.cancelled)) }
        }
    }

    private func begin(_ continuation: CheckedContinuation<Int32, any Error>, timeout: Duration) {
        self.continuation = continuation
        do throws(IOError) {
            descriptor = try makeStreamSocket(family: address.family)
            let fd = descriptor
            var one: Int32 = 1
            let size = socklen_t(MemoryLayout<Int32>.size)
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, size)
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, size)
            // Kernel keepalive as a backstop behind the WebSocket layer's own pings: probe
            // after 30 s idle, every 10 s, give up after 3 unanswered probes (60 s in all),
            // instead of Linux's default of more than two hours.
            var idle: Int32 = 30
            var interval: Int32 = 10
            var probes: Int32 = 3
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &probes, size)
            let result = try address.withSockaddr { pointer, length throws(IOError) in
                try nonBlockingCall("connect(\(address))") { Glibc.connect(fd, pointer, length) }
            }
            if case .done = result {
                finish(.success(fd))
                return
            }
        } catch  where error.errno == EINPROGRESS {
            // The normal non-blocking path: wait for writability.
        } catch {
            finish(.failure(error))
            return
        }
        do {
            try loop.register(descriptor, interest: .writable, handler: self)
        } catch {
            finish(.failure(error))
            return
        }
        timer = loop.schedule(after: timeout) { [self] in
            finish(
                .failure(
                    SocketIOError.connectTimedOut(
                        host: address.description,
                        port: address.port ?? 0
                    )
                )
            )
        }
    }

    func handleIOEvent(_ readiness: IOReadiness) {
        var socketError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &socketError, &length)
        if socketError == 0 {
            finish(.success(descriptor))
        } else {
            finish(.failure(IOError(call: "connect(\(address))", errno: socketError)))
        }
    }

    private func finish(_ result: Result<Int32, any Error>) {
        guard let continuation else { return }
        self.continuation = nil
        timer?.cancel()
        if descriptor >= 0 { loop.deregister(descriptor) }
        switch result {
        case .success(let fd):
            continuation.resume(returning: fd)
        case .failure(let error):
            if descriptor >= 0 { Glibc.close(descriptor) }
            continuation.resume(throwing: error)
        }
        descriptor = -1
    }
}
