// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Which readiness events a registered descriptor wants to hear about.
public struct IOInterest: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let readable = IOInterest(rawValue: 1 << 0)
    public static let writable = IOInterest(rawValue: 1 << 1)
}

/// What epoll reported for one descriptor.
public struct IOReadiness: Sendable {
    public var isReadable: Bool
    public var isWritable: Bool
    /// The peer hung up or the socket has an error; a read will tell which.
    public var isHangup: Bool
}

/// Receives readiness events for a descriptor registered with an `EventLoop`.
///
/// Called on the loop's thread only.
public protocol IOEventHandler: AnyObject {
    func handleIOEvent(_ readiness: IOReadiness)
}
