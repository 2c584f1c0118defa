// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import CLinux
import Glibc

/// A listening stream socket on an event loop. Accepts until `EAGAIN` on every readiness
/// event and hands each connection over unstarted.
///
/// When the process runs out of descriptors (`EMFILE`/`ENFILE`) the listener stops
/// accepting for `descriptorExhaustionPause` instead of spinning on a socket that stays
/// readable; pending connections wait in the kernel's backlog meanwhile.
public final class Listener: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `acceptHandler`, `isClosed` and `isPaused` are
    // touched only on `loop`'s thread.

    public let loop: EventLoop
    /// The listening descriptor; owned by this listener until `close()`.
    public let descriptor: Int32
    /// The bound TCP port, for listeners created with port 0.
    public let port: UInt16?
    /// Backlog for `listen(2)`: the kernel caps it at `net.core.somaxconn` (4096 by default),
    /// enough for a thousand clients connecting at once.
    public static let backlog: Int32 = 4096
    public var descriptorExhaustionPause: Duration = .milliseconds(100)

    private var acceptHandler: ((StreamConnection) -> Void)?
    private var isClosed = false
    private var isPaused = false
    private let ownsDescriptor: Bool

    private init(descriptor: Int32, loop: EventLoop, ownsDescriptor: Bool) {
        self.descriptor = descriptor
        self.loop = loop
        self.ownsDescriptor = ownsDescriptor
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(descriptor, $0, &length) == 0
            }
        }
        if found {
            port = withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    SocketAddress(copying: $0, length: length).port
                }
            }
        } else {
            port = nil
        }
    }

    /// Binds and listens on a TCP address (`port` 0 picks a free port).
    public static func tcp(
        host: String = "127.0.0.1",
        port: UInt16 = 0,
        on loop: EventLoop
    ) throws -> Listener {
        let address = try SocketAddress.resolve(host: host, port: port, passive: true)[0]
        let fd = try makeStreamSocket(family: address.family)
        do {
            var one: Int32 = 1
            try systemCall("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try address.withSockaddr { pointer, length throws(IOError) in
                try systemCall("bind(\(address))") { bind(fd, pointer, length) }
            }
            try systemCall("listen") { listen(fd, backlog) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return Listener(descriptor: fd, loop: loop, ownsDescriptor: true)
    }

    /// Binds and listens on a Unix-domain socket at `path` with permissions `mode`.
    ///
    /// The mode is applied through `umask` around `bind`, so the socket file is never more
    /// open than asked, not even for an instant. The caller decides what to do with a file
    /// already at `path` (see the relay's stale-socket check); `bind` fails with
    /// `EADDRINUSE` if one exists.
    public static func unix(path: String, mode: mode_t = 0o600, on loop: EventLoop) throws
        -> Listener
    {
        let address = try SocketAddress(unixPath: path)
        let fd = try makeStreamSocket(family: AF_UNIX)
        do {
            try umaskLock.withLock { _ throws(IOError) in
                let previous = umask(~mode & 0o777)
                defer { umask(previous) }
                _ = try address.withSockaddr { pointer, length throws(IOError) in
                    try systemCall("bind(\(path))") { bind(fd, pointer, length) }
                }
            }
            try systemCall("listen") { listen(fd, backlog) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return Listener(descriptor: fd, loop: loop, ownsDescriptor: true)
    }

    /// Adopts a listening socket someone else bound (systemd socket activation). The
    /// descriptor is made non-blocking; closing the listener closes it, but nothing is
    /// unlinked: the socket file belongs to whoever created it.
    public init(adoptingDescriptor fd: Int32, on loop: EventLoop) throws {
        let flags = try systemCall("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        try systemCall("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        self.loop = loop
        self.descriptor = fd
        self.ownsDescriptor = true
        self.port = nil
    }

    deinit {
        if !isClosed, ownsDescriptor { Glibc.close(descriptor) }
    }

    /// Starts accepting; `onAccept` receives each new, unstarted connection on the loop.
    public func start(onAccept: @escaping (StreamConnection) -> Void) throws {
        loop.preconditionInEventLoop()
        acceptHandler = onAccept
        try loop.register(descriptor, interest: .readable, handler: self)
    }

    /// Stops accepting and closes the listening socket.
    public func close() {
        loop.preconditionInEventLoop()
        guard !isClosed else { return }
        isClosed = true
        if !isPaused { loop.deregister(descriptor) }
        acceptHandler = nil
        if ownsDescriptor { Glibc.close(descriptor) }
    }

    private func acceptAll() {
        while !isClosed, !isPaused {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let flags = Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let listening = descriptor
            let result: NonBlockingResult<Int32>
            do throws(IOError) {
                result = try withUnsafeMutableBytes(of: &storage) { raw throws(IOError) in
                    let pointer = raw.baseAddress!.assumingMemoryBound(to: sockaddr.self)
                    return try nonBlockingCall("accept4") {
                        clinux_accept4(listening, pointer, &length, flags)
                    }
                }
            } catch  where error.errno == EMFILE || error.errno == ENFILE {
                pauseAfterDescriptorExhaustion()
                return
            } catch {
                // ECONNABORTED and friends concern one pending connection only.
                continue
            }
            guard case .done(let fd) = result else { return }
            let remote = withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    SocketAddress(copying: $0, length: length).description
                }
            }
            if storage.ss_family == sa_family_t(AF_INET)
                || storage.ss_family == sa_family_t(AF_INET6)
            {
                var one: Int32 = 1
                setsockopt(
                    fd,
                    Int32(IPPROTO_TCP),
                    TCP_NODELAY,
                    &one,
                    socklen_t(MemoryLayout<Int32>.size)
                )
            }
            let connection = StreamConnection(
                transport: PlainSocketTransport(descriptor: fd),
                loop: loop,
                remoteDescription: remote
            )
            acceptHandler?(connection)
        }
    }

    private func pauseAfterDescriptorExhaustion() {
        isPaused = true
        loop.deregister(descriptor)
        loop.schedule(after: descriptorExhaustionPause) { [weak self] in
            guard let self, !self.isClosed else { return }
            self.isPaused = false
            try? self.loop.register(self.descriptor, interest: .readable, handler: self)
        }
    }
}

extension Listener: IOEventHandler {
    public func handleIOEvent(_ readiness: IOReadiness) {
        acceptAll()
    }
}
