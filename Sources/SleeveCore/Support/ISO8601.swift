import Foundation

/// ISO 8601 timestamps in UTC, as the API and the logs write them.
public enum ISO8601 {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Formats `date` as `2026-12-04T20:21:11Z`, or with milliseconds (`2026-12-04T20:21:11.123Z`).
    public static func string(from date: Date, fractionalSeconds: Bool = false) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        var text = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!,
            parts.second!)
        if fractionalSeconds {
            let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
            text += String(format: ".%03d", (milliseconds + 1000) % 1000)
        }
        return text + "Z"
    }
}
