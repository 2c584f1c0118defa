// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc
import Synchronization

/// Receives what happens on a `StreamConnection`. Called on the connection's loop only.
public protocol StreamConnectionDelegate: AnyObject {
    /// Bytes arrived. The slice is valid only for the duration of the call: it views the
    /// loop's shared read buffer, so copy out what must be kept.
    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>)

    /// The peer finished sending (FIN). The default closes the connection; a delegate
    /// that still owes the peer replies can keep writing and close later.
    func connectionDidReadEndOfStream(_ connection: StreamConnection)

    /// The output buffer became empty after holding data.
    func connectionDidDrainOutput(_ connection: StreamConnection)

    /// The connection is closed; called exactly once. `error` is nil for an orderly end
    /// or our own `close()`.
    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?)
}

extension StreamConnectionDelegate {
    public func connectionDidReadEndOfStream(_ connection: StreamConnection) {
        connection.close()
    }

    public func connectionDidDrainOutput(_ connection: StreamConnection) {}
}

/// A connected, non-blocking stream socket (TCP or Unix) bound to one event loop, with an
/// output buffer that callers watch through `pendingWriteBytes`.
///
/// The output buffer has no limit of its own: writers decide what to do when a peer stops
/// reading (the relay counts queued bytes per client and drops events past its limit).
/// Writing the same `[UInt8]` to many connections shares its storage, so fan-out costs
/// one copy of an event in memory, not one per reader.
public final class StreamConnection: @unchecked Sendable {
    // Invariant for @unchecked Sendable: every `var` below is touched only on `loop`'s
    // thread (checked by preconditions on the public entry points); `id`, `loop` and
    // `transport` never change.

    private enum State {
        case idle
        case active
        /// Output is flushing before close; reads are ignored.
        case closingAfterFlush
        case closed
    }

    private static let nextID = Atomic<UInt64>(1)

    public let loop: EventLoop
    /// Unique within the process, for logs and tables.
    public let id: UInt64
    private let transport: any ByteStreamTransport

    private var state = State.idle
    private weak var delegateReference: (any StreamConnectionDelegate)?
    /// Keeps the delegate alive while the connection is open; released on close.
    private var delegateOwner: (any StreamConnectionDelegate)?
    /// Queued chunks; those before `outputHeadIndex` are already written (compacted lazily
    /// so a long backlog drains in linear time).
    private var output: [[UInt8]] = []
    private var outputHeadIndex = 0
    /// Bytes of `output[outputHeadIndex]` already written.
    private var outputHeadOffset = 0
    private var isReadingPaused = false
    private var readWantsWritable = false
    /// The transport's last write waits for the socket to turn readable (a TLS handshake
    /// or renegotiation needs the peer's answer first). Writable interest would only spin
    /// until then, so the connection waits for readability and retries the write.
    private var writeWantsReadable = false
    private var registeredInterest: IOInterest = []
    private var flushDeadline: ScheduledTask?

    /// Bytes queued but not yet accepted by the kernel.
    public private(set) var pendingWriteBytes = 0
    /// Total bytes the kernel has accepted from us; grows while a peer keeps reading.
    public private(set) var totalBytesWritten: UInt64 = 0
    /// Kernel-reported identity of a Unix-socket peer, read once at creation.
    public let peerCredentials: PeerCredentials?
    /// A short description of the peer for logs, e.g. `127.0.0.1:50123` or `unix`.
    public let remoteDescription: String

    /// Wraps an already connected, non-blocking transport. Nothing happens until `start`.
    public init(transport: any ByteStreamTransport, loop: EventLoop, remoteDescription: String) {
        self.transport = transport
        self.loop = loop
        self.id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.peerCredentials = PeerCredentials(socket: transport.descriptor)
        self.remoteDescription = remoteDescription
    }

    deinit {
        if state != .closed { transport.close() }
    }

    public var isOpen: Bool {
        loop.preconditionInEventLoop()
        return state == .idle || state == .active
    }

    /// Registers with the loop and starts reading. The connection keeps `delegate` alive
    /// until it closes.
    public func start(delegate: any StreamConnectionDelegate) {
        loop.preconditionInEventLoop()
        guard state == .idle else { return }
        delegateReference = delegate
        delegateOwner = delegate
        state = .active
        do {
            try loop.register(transport.descriptor, interest: .readable, handler: self)
            registeredInterest = .readable
        } catch {
            finishClose(error: error)
            return
        }
        if pendingWriteBytes > 0 { flush() }
    }

    /// Hands a started connection to a new delegate, e.g. an HTTP connection upgraded to a
    /// WebSocket. Later events go to `delegate` only; the old one hears nothing more.
    public func replaceDelegate(_ delegate: any StreamConnectionDelegate) {
        loop.preconditionInEventLoop()
        guard state != .closed else { return }
        delegateReference = delegate
        delegateOwner = delegate
    }

    /// Queues bytes and writes as much as the kernel takes now.
    public func write(_ bytes: [UInt8]) {
        loop.preconditionInEventLoop()
        guard !bytes.isEmpty, state == .active || state == .idle else { return }
        output.append(bytes)
        pendingWriteBytes += bytes.count
        if state == .active, pendingWriteBytes == bytes.count { flush() }
    }

    /// Queues bytes and writes as much as the kernel takes now.
    public func write(_ bytes: ArraySlice<UInt8>) {
        write(Array(bytes))
    }

    /// Stops reading (back-pressure); data waits in the kernel's buffer.
    public func pauseReading() {
        loop.preconditionInEventLoop()
        isReadingPaused = true
        updateInterest()
    }

    public func resumeReading() {
        loop.preconditionInEventLoop()
        isReadingPaused = false
        updateInterest()
    }

    /// Sends FIN after the queued output, keeping the read side open.
    public func shutdownOutputAfterFlushing() {
        loop.preconditionInEventLoop()
        guard state == .active else { return }
        if pendingWriteBytes == 0 {
            transport.shutdownOutput()
        } else {
            shutdownOutputWhenDrained = true
        }
    }
    private var shutdownOutputWhenDrained = false

    /// Closes now; queued output is dropped. The delegate hears `didCloseWith(nil)`.
    public func close() {
        loop.preconditionInEventLoop()
        guard state != .closed else { return }
        finishClose(error: nil)
    }

    /// Stops reading, writes what is queued, then closes; closes anyway after `timeout`.
    public func closeAfterFlushing(timeout: Duration) {
        loop.preconditionInEventLoop()
        switch state {
        case .closed, .closingAfterFlush:
            return
        case .idle:
            finishClose(error: nil)
        case .active:
            guard pendingWriteBytes > 0 else {
                finishClose(error: nil)
                return
            }
            state = .closingAfterFlush
            updateInterest()
            flushDeadline = loop.schedule(after: timeout) { [weak self] in
                guard let self, self.state != .closed else { return }
                self.finishClose(error: nil)
            }
        }
    }

    // MARK: I/O

    private func updateInterest() {
        guard state == .active || state == .closingAfterFlush else { return }
        var wanted: IOInterest = []
        if (state == .active && !isReadingPaused) || writeWantsReadable {
            wanted.insert(.readable)
        }
        if (pendingWriteBytes > 0 && !writeWantsReadable) || readWantsWritable {
            wanted.insert(.writable)
        }
        guard wanted != registeredInterest else { return }
        do {
            try loop.reregister(transport.descriptor, interest: wanted)
            registeredInterest = wanted
        } catch {
            finishClose(error: error)
        }
    }

    private func readAvailable() {
        // A few reads per wake-up, then let other descriptors have their turn; epoll is
        // level-triggered, so anything left is reported again.
        for _ in 0..<4 {
            guard state == .active, !isReadingPaused else { return }
            let result: TransportResult
            do {
                result = try loop.readBuffer.withUnsafeMutableBytes { buffer in
                    try transport.read(into: buffer)
                }
            } catch {
                finishClose(error: error)
                return
            }
            switch result {
            case .processed(let count):
                readWantsWritable = false
                delegateReference?.connection(self, didRead: loop.readBuffer[0..<count])
                if count < loop.readBuffer.count { return }
            case .wouldBlock(let interest):
                readWantsWritable = interest.contains(.writable)
                updateInterest()
                return
            case .endOfStream:
                isReadingPaused = true
                updateInterest()
                if let delegate = delegateReference {
                    delegate.connectionDidReadEndOfStream(self)
                } else {
                    close()
                }
                return
            }
        }
    }

    private func flush() {
        writeWantsReadable = false
        while outputHeadIndex < output.count {
            let chunk = output[outputHeadIndex]
            let result: TransportResult
            do {
                result = try chunk.withUnsafeBytes { buffer in
                    try transport.write(
                        UnsafeRawBufferPointer(rebasing: buffer[outputHeadOffset...])
                    )
                }
            } catch {
                finishClose(error: error)
                return
            }
            switch result {
            case .processed(let count):
                pendingWriteBytes -= count
                totalBytesWritten += UInt64(count)
                outputHeadOffset += count
                if outputHeadOffset == chunk.count {
                    output[outputHeadIndex] = []
                    outputHeadIndex += 1
                    outputHeadOffset = 0
                    if outputHeadIndex >= 64, outputHeadIndex * 2 >= output.count {
                        output.removeFirst(outputHeadIndex)
                        outputHeadIndex = 0
                    }
                }
            case .wouldBlock(let interest):
                writeWantsReadable = !interest.contains(.writable)
                updateInterest()
                return
            case .endOfStream:
                finishClose(error: IOError(call: "send", errno: EPIPE))
                return
            }
        }
        // Drained.
        output.removeAll(keepingCapacity: output.capacity <= 64)
        outputHeadIndex = 0
        if state == .closingAfterFlush {
            finishClose(error: nil)
            return
        }
        if shutdownOutputWhenDrained {
            shutdownOutputWhenDrained = false
            transport.shutdownOutput()
        }
        updateInterest()
        delegateReference?.connectionDidDrainOutput(self)
    }

    private func finishClose(error: (any Error)?) {
        guard state != .closed else { return }
        let wasRegistered = state == .active || state == .closingAfterFlush
        state = .closed
        flushDeadline?.cancel()
        flushDeadline = nil
        if wasRegistered { loop.deregister(transport.descriptor) }
        transport.close()
        output = []
        outputHeadIndex = 0
        pendingWriteBytes = 0
        let delegate = delegateOwner
        delegateOwner = nil
        delegateReference = nil
        delegate?.connection(self, didCloseWith: error)
    }
}

extension StreamConnection: IOEventHandler {
    public func handleIOEvent(_ readiness: IOReadiness) {
        if readiness.isWritable || (readiness.isHangup && pendingWriteBytes > 0) {
            if readWantsWritable {
                readWantsWritable = false
                readAvailable()
            }
            if state != .closed, pendingWriteBytes > 0 { flush() }
        }
        if writeWantsReadable, state != .closed, pendingWriteBytes > 0,
            readiness.isReadable || readiness.isHangup
        {
            // Runs even while reading is paused: the write, not the reader, asked for this.
            flush()
        }
        if state == .active, readiness.isReadable || readiness.isHangup {
            if isReadingPaused {
                // A hang-up while paused: nothing more will come, and nobody is reading.
                if readiness.isHangup, pendingWriteBytes == 0 { finishClose(error: nil) }
            } else {
                readAvailable()
            }
        }
    }
}
