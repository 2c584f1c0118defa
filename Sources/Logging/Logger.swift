// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// How severe a log entry is, from the most chatty to the most urgent.
///
/// The seven levels follow swift-log and map onto syslog priorities for journald:
/// `trace` and `debug` are 7, `info` 6, `notice` 5, `warning` 4, `error` 3, `critical` 2.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case trace
    case debug
    case info
    case notice
    case warning
    case error
    case critical

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The syslog priority journald stores in `PRIORITY=`.
    public var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public var description: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    /// Parses a level name as given on the command line (`--log-level debug`).
    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.description == name.lowercased() })
        else { return nil }
        self = level
    }
}

/// Structured values attached to a log entry. Keys are dotted lowercase (`client.id`).
public typealias LogMetadata = [String: String]

/// Where log entries end up: stderr, the journal, or memory in tests.
public protocol LogHandler: Sendable {
    /// Writes one entry. Called from any thread; implementations must be thread-safe.
    func log(_ entry: LogEntry)
}

/// One log entry as a handler receives it.
public struct LogEntry: Sendable {
    public var level: LogLevel
    /// A constant message; variable parts belong in `metadata`.
    public var message: String
    public var metadata: LogMetadata
    public var label: String
    public var file: String
    public var function: String
    public var line: UInt

    public init(
        level: LogLevel,
        message: String,
        metadata: LogMetadata,
        label: String,
        file: String,
        function: String,
        line: UInt
    ) {
        self.level = level
        self.message = message
        self.metadata = metadata
        self.label = label
        self.file = file
        self.function = function
        self.line = line
    }
}

/// A small logger in the shape of swift-log's: a label, a threshold level, metadata
/// carried along, and a handler that does the writing.
///
/// Libraries take a `Logger` from their caller and log at `debug` and `trace` only.
/// Never log API keys or message bodies, at any level.
public struct Logger: Sendable {
    public var label: String
    /// The threshold when no `levelControl` is attached.
    public var logLevel: LogLevel
    /// A threshold shared by every copy of this logger that can change at run time (the
    /// daemon's SIGHUP reload); when set it overrides `logLevel`.
    public var levelControl: LogLevelControl?
    public var metadata: LogMetadata
    public var handler: any LogHandler

    public init(
        label: String,
        level: LogLevel = .info,
        metadata: LogMetadata = [:],
        handler: any LogHandler = StderrLogHandler()
    ) {
        self.label = label
        self.logLevel = level
        self.metadata = metadata
        self.handler = handler
        self.levelControl = nil
    }

    /// A logger that drops everything; the default for library types in tests.
    public static var disabled: Logger {
        Logger(label: "disabled", level: .critical, handler: NullLogHandler())
    }

    /// Metadata added to every entry this logger writes.
    public subscript(metadataKey key: String) -> String? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// A copy of this logger with extra metadata.
    public func with(_ extra: LogMetadata) -> Logger {
        var copy = self
        copy.metadata.merge(extra) { _, new in new }
        return copy
    }

    @inlinable
    public func isEnabled(_ level: LogLevel) -> Bool {
        level >= (levelControl?.level ?? logLevel)
    }

    public func log(
        _ level: LogLevel,
        _ message: @autoclosure () -> String,
        metadata extra: @autoclosure () -> LogMetadata = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        guard isEnabled(level) else { return }
        var merged = metadata
        for (key, value) in extra() { merged[key] = value }
        handler.log(
            LogEntry(
                level: level,
                message: message(),
                metadata: merged,
                label: label,
                file: file,
                function: function,
                line: line
            )
        )
    }
}
