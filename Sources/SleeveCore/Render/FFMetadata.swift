/// Writer of ffmpeg's metadata file format (ffmetadata), used to pass chapters to the muxer.
enum FFMetadata {
    /// One chapter, with times in milliseconds.
    struct Chapter: Sendable, Equatable {
        var startMilliseconds: Int
        var endMilliseconds: Int
        var title: String
    }

    /// Escapes a value: ffmetadata treats "=", ";", "#", "\" and "\n" as syntax, so each gets a backslash.
    ///
    /// Other control characters become spaces.
    static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "=", ";", "#", "\\", "\n":
                escaped.append("\\")
                escaped.unicodeScalars.append(character)
            case "\r", "\t", "\u{0}"..."\u{1F}", "\u{7F}":
                // A carriage return would end the line for ffmpeg's reader and a NUL would end the value, so these
                // and other control characters become spaces.
                escaped.append(" ")
            default:
                escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// Returns the whole file: the header line, then one [CHAPTER] section per chapter in a 1/1000 time base.
    static func document(chapters: [Chapter]) -> String {
        var text = ";FFMETADATA1\n"
        for chapter in chapters {
            text += "[CHAPTER]\nTIMEBASE=1/1000\n"
            text += "START=\(chapter.startMilliseconds)\nEND=\(chapter.endMilliseconds)\n"
            text += "title=\(escape(chapter.title))\n"
        }
        return text
    }
}
