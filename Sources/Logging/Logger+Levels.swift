// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

extension Logger {
    public func trace(
        _ message: @autoclosure () -> String,
        metadata: @autoclosure () -> LogMetadata = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(.trace, message(), metadata: metadata(), file: file, function: function, line: line)
    }

    public func debug(
        _ message: @autoclosure () -> String,
        metadata: @autoclosure () -> LogMetadata = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(.debug, message(), metadata: metadata(), file: file, function: function, line: line)
    }

    public func info(
        _ message: @autoclosure () -> String,
        metadata: @autoclosure () -> LogMetadata = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(.info, message(), metadata: metadata(), file: file, function: function, line: line)
    }

    public func notice(
        _ message: @autoclosure () -> String,
        metadata: @autoclosure () -> LogMetadata = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(.notice, message(), metadata: metadata(), file: file, function: function, line: line)
    }

    public func warning(
        _ message: @autoclosure () -> String,
        metadata: @autoclosure () -> LogMetadata = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(.warning, message(), metadata: metadata(), file: file, function: function, line: line)
    }

    public func error(
        _ message: @autoclosure () -> String,
        metadata: @autoclosure () -> LogMetadata = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(.error, message(), metadata: metadata(), file: file, function: function, line: line)
    }

    public func critical(
        _ message: @autoclosure () -> String,
        metadata: @autoclosure () -> LogMetadata = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        log(.critical, message(), metadata: metadata(), file: file, function: function, line: line)
    }
}
