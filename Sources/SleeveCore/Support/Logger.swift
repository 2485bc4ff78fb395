import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A structured logger of the same shape as swift-log: a label, a level, metadata under dotted keys and a
/// constant message. Each record is written to standard error as one line of logfmt
/// (`ts=… level=info label=sleeve msg="job started" job.id=…`), which log tools parse without configuration.
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case debug, info, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    public typealias Metadata = [String: String]

    /// Destination of formatted lines; standard error by default.
    public struct Sink: Sendable {
        public let write: @Sendable (String) -> Void

        public init(write: @escaping @Sendable (String) -> Void) { self.write = write }

        /// Writes to file descriptor 2 directly, because the C `stderr` global is not concurrency-safe in Swift 6.
        public static let standardError = Sink { line in
            var bytes = Array(line.utf8)
            bytes.append(UInt8(ascii: "\n"))
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }

        /// Discards every line.
        public static let none = Sink { _ in }
    }

    public let label: String
    public var level: Level
    public var metadata: Metadata
    private let sink: Sink

    public init(label: String, level: Level = .info, metadata: Metadata = [:], sink: Sink = .standardError) {
        self.label = label
        self.level = level
        self.metadata = metadata
        self.sink = sink
    }

    /// Returns a copy of this logger that adds `extra` to every record.
    public func with(_ extra: Metadata) -> Logger {
        var copy = self
        copy.metadata.merge(extra) { _, new in new }
        return copy
    }

    public func debug(_ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        log(.debug, message(), metadata)
    }

    public func info(_ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        log(.info, message(), metadata)
    }

    public func warning(_ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        log(.warning, message(), metadata)
    }

    public func error(_ message: @autoclosure () -> String, _ metadata: Metadata = [:]) {
        log(.error, message(), metadata)
    }

    public func log(_ recordLevel: Level, _ message: @autoclosure () -> String, _ extra: Metadata = [:]) {
        guard recordLevel >= level else { return }

        var fields: [(String, String)] = [
            ("ts", Logger.timestamp()),
            ("level", recordLevel.description),
            ("label", label),
            ("msg", message()),
        ]
        let merged = metadata.merging(extra) { _, new in new }
        for key in merged.keys.sorted() {
            fields.append((key, merged[key]!))
        }
        sink.write(fields.map { "\($0.0)=\(Logger.quote($0.1))" }.joined(separator: " "))
    }

    /// Quotes a logfmt value when it contains spaces, quotes, `=` or control characters.
    static func quote(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.value < 0x20 || $0 == "\\" }
        guard needsQuotes else { return value }

        var escaped = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 {
                    escaped += String(format: "\\u%04x", scalar.value)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped + "\""
    }

    static func timestamp() -> String {
        ISO8601.string(from: Date(), fractionalSeconds: true)
    }
}
