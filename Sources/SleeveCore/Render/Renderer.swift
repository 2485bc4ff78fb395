import Foundation
import Synchronization

/// Renders an album into one MP4 in which each track shows its cover while it plays.
///
/// The work follows a `RenderPlan`. Each distinct cover (with its title text, when titles are shown) is encoded once
/// into a short H.264 clip, while all tracks are decoded as one continuous stream and encoded to AAC once. Loudness
/// normalization first measures that stream, then applies one gain in the same audio pass. Then the concat demuxer
/// repeats and cuts the clips to each track's frame count, and the result is muxed with the audio and chapters by
/// stream copy.
public struct Renderer: Sendable {
    public var tools: MediaTools

    public init(tools: MediaTools) {
        self.tools = tools
    }

    /// Renders the tracks into `output`, an MP4 file that is replaced only when the render succeeds.
    ///
    /// Intermediate files go into a new subdirectory of `workDirectory`, which is removed before returning,
    /// whether the render succeeds or not. The clip encodes run one after another, next to the single audio pass.
    ///
    /// - Parameters:
    ///   - tracks: The tracks in album order, each with its exact decoded duration.
    ///   - options: Output settings.
    ///   - workDirectory: A directory for intermediates; it is created when missing.
    ///   - output: The MP4 file to write.
    ///   - onEvent: Receives progress and log events in order, from background threads.
    /// - Returns: The total duration and the start time of each track.
    /// - Throws: `RenderError` when planning, a file operation or ffmpeg fails; `CancellationError` when the calling
    ///   task is cancelled, after its ffmpeg processes are stopped.
    public func render(
        tracks: [RenderTrack],
        options: RenderOptions,
        workDirectory: URL,
        output: URL,
        onEvent: @escaping @Sendable (RenderEvent) -> Void
    ) async throws -> RenderResult {
        let fileManager = FileManager.default
        let outputURL = output.absoluteURL.standardizedFileURL
        let scratch = workDirectory.absoluteURL.standardizedFileURL
            .appendingPathComponent("render-\(UUID().uuidString)", isDirectory: true)
        let partialOutput = outputURL.deletingLastPathComponent()
            .appendingPathComponent(".\(outputURL.lastPathComponent).\(UUID().uuidString).partial")

        let plan = try RenderPlan(tracks: tracks, options: options, workDirectory: scratch, output: partialOutput)
        let outputDirectory = outputURL.deletingLastPathComponent().path
        guard access(outputDirectory, W_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw RenderError(message: "The output directory \(outputDirectory) is not writable: \(reason).")
        }

        do {
            try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw RenderError(
                message: "The work directory \(scratch.path) could not be created: \(error.localizedDescription)")
        }
        defer {
            try? fileManager.removeItem(at: scratch)
            try? fileManager.removeItem(at: partialOutput)
        }

        try write(plan.concatList, to: scratch.appendingPathComponent(RenderPlan.concatListFileName))
        try write(plan.chapterMetadata, to: scratch.appendingPathComponent(RenderPlan.chaptersFileName))

        let progress = RenderProgress(plan: plan, onEvent: onEvent)
        progress.updateAudio(outputTime: 0, totalDuration: plan.totalDuration)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await encodeClips(plan: plan, workDirectory: scratch, progress: progress)
            }
            group.addTask {
                try await encodeAudio(plan: plan, progress: progress)
            }
            // The first failure cancels the other child, which stops its ffmpeg process.
            while let _ = try await group.next() {}
        }
        try Task.checkCancellation()

        progress.beginConcat()
        try await mux(plan: plan, progress: progress)
        try Task.checkCancellation()

        try replaceOutput(outputURL, with: partialOutput)
        progress.finish()
        return RenderResult(duration: plan.totalDuration, trackStarts: plan.tracks.map(\.start))
    }

    // MARK: - Steps

    private func encodeClips(plan: RenderPlan, workDirectory: URL, progress: RenderProgress) async throws {
        for clip in plan.clips {
            let trackNumber = (plan.tracks.first { $0.clipIndex == clip.index }?.index ?? 0) + 1
            let frameCount = Double(clip.frameCount)
            if let titleImage = clip.titleImage {
                try await renderTitle(titleImage, trackNumber: trackNumber, workDirectory: workDirectory)
            }
            try await runFFmpeg(
                arguments: clip.arguments,
                step: "encoding the cover of track \(trackNumber)",
                progress: progress
            ) { snapshot in
                if let frame = snapshot.frame {
                    progress.updateClip(clip.index, fraction: Double(frame) / frameCount)
                }
            }
            progress.updateClip(clip.index, fraction: 1)
        }
    }

    /// Writes the title's markup file and runs pango-view, which turns it into a transparent PNG.
    func renderTitle(_ titleImage: RenderPlan.TitleImage, trackNumber: Int, workDirectory: URL) async throws {
        try write(titleImage.markup, to: workDirectory.appendingPathComponent(titleImage.markupFileName))

        let result: ToolRunResult
        do {
            result = try await ToolProcess.runCancellable(
                toolName: "pango-view", executable: tools.pangoView, arguments: titleImage.pangoViewArguments)
        } catch let error as ToolLaunchError {
            throw RenderError(
                message: "\(error.message). Titles are drawn with pango-view: install the Debian package "
                    + "pango1.0-tools, or render without titles."
            )
        }

        let image = workDirectory.appendingPathComponent(titleImage.imageFileName)
        let size = (try? FileManager.default.attributesOfItem(atPath: image.path)[.size] as? Int) ?? 0
        guard result.exit.isSuccess, size > 0 else {
            let lastLine = result.standardErrorTail.last ?? "no error message"
            throw RenderError(
                message: "pango-view failed while drawing the title of track \(trackNumber) "
                    + "(\(result.exit.description)): \(lastLine)"
            )
        }
    }

    private func encodeAudio(plan: RenderPlan, progress: RenderProgress) async throws {
        let total = plan.totalDuration
        var arguments = plan.audioArguments
        if let measurementArguments = plan.loudnessMeasurementArguments {
            let measurement = try await measureLoudness(
                arguments: measurementArguments, totalDuration: total, progress: progress)
            if let gain = measurement.gain(
                target: RenderPlan.loudnessTarget, peakCeiling: RenderPlan.truePeakCeiling)
            {
                arguments = plan.normalizedAudioArguments(gainDecibels: gain)
                let reached = measurement.integrated + gain
                if reached < RenderPlan.loudnessTarget - 0.05 {
                    progress.log(
                        "Loudness normalization raises the album to \(String(format: "%.1f", reached)) LUFS, not "
                            + "\(String(format: "%.0f", RenderPlan.loudnessTarget)) LUFS: more gain would push its "
                            + "true peak above \(String(format: "%.0f", RenderPlan.truePeakCeiling)) dBTP.")
                }
            } else {
                progress.log("The album is silent, so loudness normalization leaves it unchanged.")
            }
        }

        let encodedDuration = Mutex<Double?>(nil)
        try await runFFmpeg(arguments: arguments, step: "encoding the audio", progress: progress) {
            snapshot in
            if let time = snapshot.outputTime {
                progress.updateAudio(outputTime: time, totalDuration: total)
                if snapshot.isEnd {
                    encodedDuration.withLock { $0 = time }
                }
            }
        }
        progress.updateAudio(outputTime: total, totalDuration: total)

        // Durations that do not match the audio make the covers drift, so a large difference is reported.
        if let encoded = encodedDuration.withLock({ $0 }), abs(encoded - total) > Self.durationMismatchTolerance {
            let encodedText = String(format: "%.3f", encoded)
            let totalText = String(format: "%.3f", total)
            progress.log(
                "The decoded audio lasts \(encodedText) s, but the track durations add up to \(totalText) s: "
                    + "the covers do not follow the audio. Use the durations from MediaProbe.probeAudio(at:)."
            )
        }
    }

    /// Runs the first pass of loudness normalization and returns the album's loudness.
    ///
    /// ffmpeg runs at the "info" log level, tagged per line. Lines tagged as warnings or errors go to the log,
    /// and the untagged lines of loudnorm's JSON report are kept.
    private func measureLoudness(arguments: [String], totalDuration: Double, progress: RenderProgress)
        async throws -> LoudnessMeasurement
    {
        let reportLines = Mutex<[String]>([])
        try await runFFmpeg(
            arguments: arguments, step: "measuring the loudness", progress: progress,
            onSnapshot: { snapshot in
                if let time = snapshot.outputTime {
                    progress.updateMeasurement(fraction: time / max(totalDuration, 0.001))
                }
            },
            onErrorLine: { line in
                if let level = Self.taggedLevel(of: line) {
                    if ["warning", "error", "fatal", "panic"].contains(level) {
                        progress.log(line.replacingOccurrences(of: "[\(level)] ", with: ""))
                    }
                } else {
                    reportLines.withLock { $0.append(line) }
                }
            })

        guard let measurement = LoudnessMeasurement(standardErrorLines: reportLines.withLock({ $0 })) else {
            throw RenderError(message: "ffmpeg measured the loudness but wrote no loudnorm report to read.")
        }
        progress.updateMeasurement(fraction: 1)
        return measurement
    }

    /// Returns the level in a line that ffmpeg tagged with "-loglevel level+…", such as "warning" in
    /// "[mp3 @ 0x55d0] [warning] …", or nil for an untagged line.
    static func taggedLevel(of line: String) -> String? {
        for level in ["trace", "debug", "verbose", "info", "warning", "error", "fatal", "panic"]
        where line.hasPrefix("[\(level)] ") || line.contains("] [\(level)] ") {
            return level
        }
        return nil
    }

    /// Maximum accepted difference in seconds between the encoded audio and the sum of the track durations.
    ///
    /// It is larger than the AAC frame of 1024 samples that ffmpeg may count in its reported output time.
    static let durationMismatchTolerance = 0.1

    private func mux(plan: RenderPlan, progress: RenderProgress) async throws {
        let total = plan.totalDuration
        try await runFFmpeg(
            arguments: plan.muxArguments,
            step: "joining the video and muxing the output",
            progress: progress
        ) { snapshot in
            if let time = snapshot.outputTime {
                progress.updateMux(fraction: time / total)
            }
        }
    }

    /// Runs ffmpeg and passes its progress snapshots to `onSnapshot`. Its standard error lines go to
    /// `onErrorLine`, or to the log when that is nil.
    private func runFFmpeg(
        arguments: [String],
        step: String,
        progress: RenderProgress,
        onSnapshot: @escaping @Sendable (FFmpegProgressParser.Snapshot) -> Void,
        onErrorLine: (@Sendable (String) -> Void)? = nil
    ) async throws {
        let parser = Mutex(FFmpegProgressParser())
        let result: ToolRunResult
        do {
            result = try await ToolProcess.runCancellable(
                toolName: "ffmpeg",
                executable: tools.ffmpeg,
                arguments: arguments,
                onOutputLine: { line in
                    if let snapshot = parser.withLock({ $0.consume(line) }) {
                        onSnapshot(snapshot)
                    }
                },
                onErrorLine: onErrorLine ?? { line in progress.log(line) }
            )
        } catch let error as ToolLaunchError {
            throw RenderError(message: error.message)
        }

        guard result.exit.isSuccess else {
            let lastLine = result.standardErrorTail.last ?? "no error message"
            throw RenderError(message: "ffmpeg failed while \(step) (\(result.exit.description)): \(lastLine)")
        }
    }

    // MARK: - Files

    private func write(_ text: String, to url: URL) throws {
        do {
            try Data(text.utf8).write(to: url)
        } catch {
            throw RenderError(message: "The file \(url.path) could not be written: \(error.localizedDescription)")
        }
    }

    /// Moves the finished file into place with rename(2), which replaces any existing file atomically.
    private func replaceOutput(_ output: URL, with partial: URL) throws {
        guard rename(partial.path, output.path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw RenderError(message: "The output \(output.path) could not be written: \(reason).")
        }
    }
}
