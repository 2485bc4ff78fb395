/// Parser for the `key=value` lines that ffmpeg writes with `-progress`.
///
/// ffmpeg ends each block with a `progress=continue` or `progress=end` line; `consume(_:)` returns a snapshot there.
struct FFmpegProgressParser: Sendable {
    /// The values of one progress block.
    struct Snapshot: Sendable, Equatable {
        /// Output time in seconds, or nil while ffmpeg reports "N/A".
        var outputTime: Double?
        /// Number of video frames written so far, when the output has video.
        var frame: Int?
        /// Whether this is the last block (`progress=end`).
        var isEnd: Bool
    }

    private var outputTime: Double?
    private var frame: Int?

    init() {}

    /// Reads one line and returns a snapshot when the line ends a block.
    mutating func consume(_ line: Substring) -> Snapshot? {
        guard let separator = line.firstIndex(of: "=") else {
            return nil
        }
        let key = line[..<separator].trimmingCharactersOfSpace()
        let value = line[line.index(after: separator)...].trimmingCharactersOfSpace()

        switch key {
        case "out_time_us":
            // ffmpeg prints "N/A" before the first packet and may print a negative time at the start.
            if let microseconds = Int64(value) {
                outputTime = max(0, Double(microseconds) / 1_000_000)
            }
        case "frame":
            frame = Int(value)
        case "progress":
            return Snapshot(outputTime: outputTime, frame: frame, isEnd: value == "end")
        default:
            break
        }
        return nil
    }

    mutating func consume(_ line: String) -> Snapshot? {
        consume(Substring(line))
    }
}

extension Substring {
    fileprivate func trimmingCharactersOfSpace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" {
            result.removeFirst()
        }
        while let last = result.last, last == " " || last == "\t" {
            result.removeLast()
        }
        return result
    }
}
