import Foundation

/// ISO 8601 timestamps in UTC, as the API and the logs write them.
public enum ISO8601 {
    /// Formats `date` as `2026-12-04T20:21:11Z`, or with milliseconds (`2026-12-04T20:21:11.123Z`).
    public static func string(from date: Date, fractionalSeconds: Bool = false) -> String {
        var style = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
        if fractionalSeconds {
            style = style.time(includingFractionalSeconds: true)
        }
        return date.formatted(style)
    }
}
