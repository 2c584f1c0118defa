// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

#if canImport(Glibc)
import Glibc
#endif

/// A socket bound to `path` in the file system, closed when released.
final class BoundSocket {
    let fd: Int32
    let path: String

    /// Creates an `AF_UNIX` socket of `type` bound to `path`, listening if asked.
    init(path: String, type: __socket_type, listen shouldListen: Bool = false) throws {
        let fd = socket(AF_UNIX, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HelperError("socket: \(errnoText())") }
        self.fd = fd
        self.path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw HelperError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw HelperError("bind \(path): \(errnoText())") }
        if shouldListen, listen(fd, 8) != 0 {
            throw HelperError("listen: \(errnoText())")
        }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Receives one datagram, waiting at most `timeoutMilliseconds`.
    func receiveDatagram(timeoutMilliseconds: Int32 = 5_000) throws -> String {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, timeoutMilliseconds)
        guard ready == 1 else {
            throw HelperError(ready == 0 ? "no datagram within timeout" : "poll: \(errnoText())")
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { throw HelperError("recv: \(errnoText())") }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Whether a datagram is waiting right now.
    var hasPendingDatagram: Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, 0) == 1
    }
}

/// An unbound socket of the given family and type, closed when released.
final class PlainSocket {
    let fd: Int32

    init(family: Int32, type: __socket_type) throws {
        fd = socket(family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HelperError("socket: \(errnoText())") }
    }

    deinit { close(fd) }
}

/// Connects to the `AF_UNIX` stream socket at `path` and returns the descriptor.
func connectUnixStream(to path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw HelperError("socket: \(errnoText())") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: Array(path.utf8))
    }
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard connected == 0 else {
        let text = errnoText()
        close(fd)
        throw HelperError("connect \(path): \(text)")
    }
    return fd
}

func errnoText() -> String { String(cString: strerror(errno)) }
