/// Text listings of an album's tracks.
public enum Tracklist {
    /// Formats a YouTube description tracklist: one "m:ss Title" line per track, starting at 0:00.
    ///
    /// When an artist is given for a track, its line reads "m:ss Artist - Title". Times are rounded down to whole
    /// seconds and the first line is always 0:00. When `totalDuration` is one hour or more, every line uses h:mm:ss.
    /// Line breaks inside titles and artists become spaces. Extra titles or starts beyond the shorter list are ignored.
    ///
    /// - Parameters:
    ///   - titles: Track titles in album order.
    ///   - artists: Optional artist per track, in the same order; nil or missing entries mean no artist.
    ///   - starts: Start time of each track in seconds.
    ///   - totalDuration: Length of the album in seconds, which selects the time format.
    public static func youtube(
        titles: [String],
        artists: [String?] = [],
        starts: [Double],
        totalDuration: Double
    ) -> String {
        let usesHours = totalDuration >= 3600
        var lines: [String] = []
        for index in 0..<min(titles.count, starts.count) {
            let start = index == 0 ? 0 : starts[index]
            let title = singleLine(titles[index])
            let artist = index < artists.count ? artists[index].map(singleLine) : nil

            var line = formatTimestamp(start, usesHours: usesHours) + " "
            if let artist, !artist.isEmpty {
                line += "\(artist) - \(title)"
            } else {
                line += title
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Formats whole seconds as "m:ss", or "h:mm:ss" when `usesHours` is true.
    static func formatTimestamp(_ seconds: Double, usesHours: Bool) -> String {
        let total = seconds.isFinite ? max(0, Int(seconds.rounded(.down))) : 0
        let hours = total / 3600
        let minutes = (total % 3600) / 60
        let secondsPart = total % 60
        if usesHours {
            return "\(hours):\(twoDigits(minutes)):\(twoDigits(secondsPart))"
        }
        return "\(total / 60):\(twoDigits(secondsPart))"
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    private static func singleLine(_ text: String) -> String {
        let parts = text.split(whereSeparator: { $0.isNewline })
        return parts.map { $0.trimmingSpaces() }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
