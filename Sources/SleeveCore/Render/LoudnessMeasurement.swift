import Foundation

/// The loudness of the whole album as ffmpeg's `loudnorm` filter reports it with `print_format=json`.
struct LoudnessMeasurement: Sendable, Equatable {
    /// Integrated loudness in LUFS; `-infinity` for silence.
    var integrated: Double
    /// True peak in dBTP.
    var truePeak: Double

    /// Reads the JSON block that loudnorm writes after the last input sample, from ffmpeg's standard error lines.
    ///
    /// ffmpeg 5.1 writes it as a line "{", one `"name" : "value",` line per figure, and a line "}". Numbers are
    /// strings, and "-inf" means silence.
    init?(standardErrorLines lines: [String]) {
        guard let open = lines.lastIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "{" }),
            let close = lines[open...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "}" })
        else {
            return nil
        }
        let json = lines[open...close].joined(separator: "\n")
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
            let integrated = Self.number(object["input_i"]),
            let truePeak = Self.number(object["input_tp"])
        else {
            return nil
        }
        self.integrated = integrated
        self.truePeak = truePeak
    }

    init(integrated: Double, truePeak: Double) {
        self.integrated = integrated
        self.truePeak = truePeak
    }

    private static func number(_ value: Any?) -> Double? {
        guard let text = value as? String else {
            return nil
        }
        switch text.trimmingCharacters(in: .whitespaces) {
        case "-inf": return -.infinity
        case "inf": return .infinity
        case let other: return Double(other)
        }
    }

    /// Computes the gain in dB that brings the album to `target` LUFS without letting the true peak exceed
    /// `peakCeiling` dBTP. Returns nil for silence, whose loudness cannot be raised.
    func gain(target: Double, peakCeiling: Double) -> Double? {
        guard integrated.isFinite, truePeak.isFinite else {
            return nil
        }
        return min(target - integrated, peakCeiling - truePeak)
    }
}
