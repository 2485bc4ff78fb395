import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// ISO 8601 timestamps in UTC, as the API and the logs write them.
public enum ISO8601 {
    /// Formats `date` as `2026-12-04T20:21:11Z`, or with milliseconds (`2026-12-04T20:21:11.123Z`).
    ///
    /// The C library's `gmtime_r` does the calendar arithmetic, because the log writes a timestamp per request
    /// and Foundation's calendar is several times slower.
    public static func string(from date: Date, fractionalSeconds: Bool = false) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        if fractionalSeconds {
            let milliseconds = min(999, Int(((interval - interval.rounded(.down)) * 1000).rounded(.down)))
            text += String(format: ".%03d", milliseconds)
        }
        return text + "Z"
    }
}
