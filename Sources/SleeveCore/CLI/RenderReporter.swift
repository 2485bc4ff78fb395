import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes to standard error without going through the C `stderr` global, which Swift 6 treats as unsafe.
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Shows a render's progress: a redrawn bar on a terminal, plain lines otherwise, or JSON lines with `--json`.
///
/// JSON lines carry the events of the HTTP stream: `{"event":"progress","data":{…}}`, with `data` a string for
/// `log` and `error`.
final class RenderReporter: Sendable {
    private let writesJSON: Bool
    private let isTerminal: Bool
    private let started = Date()
    private let state = Mutex(State())

    private struct State {
        var titles: [String] = []
        var track = 0
        var percent = 0.0
        var lastPlainPercent = -10.0
        var hasBar = false
    }

    init(writesJSON: Bool, isTerminal: Bool) {
        self.writesJSON = writesJSON
        self.isTerminal = isTerminal
    }

    func prepared(_ tracks: [RenderTrack]) {
        let total = tracks.reduce(0) { $0 + $1.duration }
        state.withLock { $0.titles = tracks.map(\.title) }
        if writesJSON {
            emit(
                "log",
                text: "Rendering \(tracks.count) track\(tracks.count == 1 ? "" : "s"), \(Self.clock(total)) of audio.")
        } else {
            StandardError.write(
                "Rendering \(tracks.count) track\(tracks.count == 1 ? "" : "s"), \(Self.clock(total)) of audio.\n")
        }
    }

    func report(_ event: RenderEvent) {
        switch event {
        case .log(let line):
            if writesJSON {
                emit("log", text: line)
            } else {
                clearBar()
                StandardError.write("ffmpeg: \(line)\n")
                redraw()
            }

        case .segment(let index, let total, let percent):
            update(percent: percent, track: index)
            if writesJSON {
                emit(
                    "progress",
                    object: ["step": "segment", "index": index, "total": total, "percent": rounded(percent)])
            } else if !isTerminal {
                let title = state.withLock { index < $0.titles.count ? $0.titles[index] : "" }
                StandardError.write("Track \(index + 1)/\(total): \(title)\n")
            }
            redraw()

        case .concat(let percent):
            update(percent: percent, track: nil)
            if writesJSON {
                emit("progress", object: ["step": "concat", "percent": rounded(percent)])
            } else if !isTerminal {
                StandardError.write("Joining video and audio.\n")
            }
            redraw()

        case .progress(let percent):
            update(percent: percent, track: nil)
            if writesJSON {
                emit("progress", object: ["percent": rounded(percent)])
            } else if !isTerminal {
                let shouldPrint = state.withLock { state in
                    guard state.percent >= state.lastPlainPercent + 10 || state.percent >= 100 else { return false }
                    state.lastPlainPercent = state.percent
                    return true
                }
                if shouldPrint {
                    StandardError.write(
                        String(format: "%.0f%% done, %@ elapsed\n", state.withLock { $0.percent }, Self.clock(elapsed)))
                }
            }
            redraw()
        }
    }

    func finish(output: URL, duration: Double, tracklist: String) {
        let size = (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0
        if writesJSON {
            emit("done", object: ["output": output.path, "duration": duration, "tracklist": tracklist, "bytes": size])
            return
        }
        clearBar()
        StandardError.write(
            String(
                format: "Wrote %@ (%@, %.1f MB) in %.1f s.\n", output.path, Self.clock(duration),
                Double(size) / 1_000_000,
                elapsed))
        FileHandle.standardOutput.write(Data((tracklist + "\n").utf8))
    }

    func fail(_ message: String) {
        if writesJSON {
            emit("error", text: message)
        } else {
            clearBar()
            StandardError.write("sleeve render: \(message)\n")
        }
    }

    // MARK: - Output

    private var elapsed: Double { Date().timeIntervalSince(started) }

    private func update(percent: Double, track: Int?) {
        state.withLock { state in
            state.percent = max(state.percent, min(100, percent))
            if let track { state.track = track }
        }
    }

    private func rounded(_ percent: Double) -> Double {
        (min(max(percent, 0), 100) * 10).rounded() / 10
    }

    private func redraw() {
        guard isTerminal && !writesJSON else { return }
        let (percent, track, titles) = state.withLock { state in
            state.hasBar = true
            return (state.percent, state.track, state.titles)
        }
        let width = 24
        let filled = Int((percent / 100 * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let eta = percent > 1 ? Self.clock(elapsed * (100 - percent) / percent) : "--:--"
        var title = track < titles.count ? titles[track] : ""
        if title.count > 28 { title = String(title.prefix(27)) + "…" }
        let line = String(
            format: "\r%@ %5.1f%%  track %d/%d %@  %@ elapsed, %@ left\u{1B}[K", bar, percent, track + 1, titles.count,
            title, Self.clock(elapsed), eta)
        StandardError.write(line)
    }

    private func clearBar() {
        let hadBar = state.withLock { state in
            defer { state.hasBar = false }
            return state.hasBar
        }
        if hadBar && isTerminal {
            StandardError.write("\r\u{1B}[K")
        }
    }

    private func emit(_ event: String, text: String) {
        emitLine(["event": event, "data": text])
    }

    private func emit(_ event: String, object: [String: Any]) {
        emitLine(["event": event, "data": object])
    }

    private func emitLine(_ object: [String: Any]) {
        FileHandle.standardOutput.write(Data((JobJSON.string(object) + "\n").utf8))
    }

    /// Formats seconds as m:ss, or h:mm:ss from one hour.
    static func clock(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded()))
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
