// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: the call's name and the `errno` it left.
public struct IOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failing call, e.g. `"connect"` or `"epoll_ctl(ADD)"`.
    public let call: String
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// A connection-level failure the peer caused, as opposed to a bug in us.
    public var isConnectionReset: Bool {
        errno == ECONNRESET || errno == EPIPE || errno == ECONNABORTED || errno == ETIMEDOUT
    }
}

/// Runs a system call that returns `-1` and sets `errno` on failure, retrying `EINTR`.
///
/// `EBADF` and `EFAULT` mean we passed a closed descriptor or a bad pointer: a bug in us,
/// so they stop the process here instead of travelling on as ordinary errors.
@inline(__always)
@discardableResult
func systemCall<Result: BinaryInteger>(
    _ name: @autoclosure () -> String,
    _ body: () -> Result
) throws(IOError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        precondition(code != EBADF && code != EFAULT, "\(name()) hit errno \(code): a bug in us")
        throw IOError(call: name(), errno: code)
    }
}

/// The outcome of a non-blocking system call that may have nothing to do right now.
@usableFromInline
enum NonBlockingResult<Value> {
    case done(Value)
    case wouldBlock
}

/// Like `systemCall`, but maps `EAGAIN`/`EWOULDBLOCK` to `.wouldBlock`.
@inline(__always)
func nonBlockingCall<Result: BinaryInteger>(
    _ name: @autoclosure () -> String,
    _ body: () -> Result
) throws(IOError) -> NonBlockingResult<Result> {
    do {
        return .done(try systemCall(name(), body))
    } catch  where error.errno == EAGAIN || error.errno == EWOULDBLOCK {
        return .wouldBlock
    }
}
