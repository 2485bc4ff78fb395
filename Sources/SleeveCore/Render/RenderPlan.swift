import Foundation

/// The complete, precomputed work of one render: frame counts, start times, chapters, ffmpeg arguments and
/// progress weights.
///
/// Building a plan does no I/O. User text never enters an ffmpeg filter graph, which contains only numbers computed
/// here and stream labels. Titles go only into the chapter metadata file and, when titles are shown, into escaped
/// Pango markup files that pango-view reads. File paths are passed only as whole `-i`, `--output` or output arguments,
/// and the background colour is validated as hex digits first.
public struct RenderPlan: Sendable, Equatable {
    /// The timing of one track in the output.
    public struct Track: Sendable, Equatable {
        public var index: Int
        /// Start time in seconds: the sum of the exact durations of the tracks before it.
        public var start: Double
        public var duration: Double
        /// Index of the first video frame, `round(start × fps)`.
        public var firstFrame: Int
        /// Number of video frames, `round(end × fps) − round(start × fps)`; 0 for a track shorter than half a frame.
        public var frameCount: Int
        /// Index into `clips` of the clip that shows this track's cover, or nil when the track has no frames.
        public var clipIndex: Int?
    }

    /// One short encoded clip of a distinct cover, or of a distinct cover and title text when titles are shown,
    /// repeated by the concat demuxer.
    public struct Clip: Sendable, Equatable {
        public var index: Int
        public var cover: CoverSource
        /// The text image drawn over the cover, or nil when titles are not shown.
        public var titleImage: TitleImage?
        public var frameCount: Int
        /// File name inside the work directory.
        public var fileName: String
        /// ffmpeg arguments that encode the clip (without the program name).
        public var arguments: [String]
        /// Estimated cost in seconds of work, used to weight progress.
        public var weight: Double
    }

    /// A transparent PNG of a track's title text, rendered by pango-view before its clip is encoded.
    public struct TitleImage: Sendable, Equatable {
        public var card: TitleCard
        /// File name inside the work directory of the Pango markup that the renderer writes.
        public var markupFileName: String
        /// Contents of the markup file.
        public var markup: String
        /// File name inside the work directory of the PNG that pango-view writes.
        public var imageFileName: String
        /// pango-view arguments (without the program name).
        public var pangoViewArguments: [String]
    }

    /// Maximum clip length in frames. A track with more frames repeats the clip.
    public static let maximumClipFrames = 300
    /// Sample rate of the output audio when the tracks do not share one rate of 44100 or 48000 Hz.
    public static let defaultAudioSampleRate = 48000

    public static let audioFileName = "audio.m4a"
    public static let concatListFileName = "video.ffconcat"
    public static let chaptersFileName = "chapters.ffmetadata"

    /// Integrated loudness in LUFS that loudness normalization aims at.
    public static let loudnessTarget = -14.0
    /// Highest true peak in dBTP that loudness normalization allows.
    public static let truePeakCeiling = -1.0

    public private(set) var options: RenderOptions
    public private(set) var tracks: [Track]
    public private(set) var clips: [Clip]
    /// Sum of the track durations in seconds.
    public private(set) var totalDuration: Double
    /// Sample rate of the output audio in Hz; every track is resampled to it.
    public private(set) var audioSampleRate: Int
    /// `round(totalDuration × fps)`, which equals the sum of the track frame counts.
    public private(set) var totalFrames: Int

    /// ffmpeg arguments that decode all tracks as one stream and encode AAC once, without loudness normalization.
    public private(set) var audioArguments: [String]
    /// ffmpeg arguments that decode all tracks as one stream and print its loudness as JSON on standard error, or
    /// nil when loudness normalization is off.
    public private(set) var loudnessMeasurementArguments: [String]?
    /// ffmpeg arguments that join the clips, add the audio and chapters, and write the output.
    public private(set) var muxArguments: [String]
    /// Contents of the concat demuxer list that repeats and cuts the clips.
    public private(set) var concatList: String
    /// Contents of the ffmetadata file with one chapter per track.
    public private(set) var chapterMetadata: String

    /// Estimated cost of the audio pass in seconds of work, used to weight progress.
    public private(set) var audioWeight: Double
    /// Estimated cost of the loudness measurement in seconds of work, used to weight progress; 0 without one.
    public private(set) var measurementWeight: Double
    /// Estimated cost of the final mux in seconds of work, used to weight progress.
    public private(set) var muxWeight: Double

    public var totalWeight: Double {
        clips.reduce(0) { $0 + $1.weight } + measurementWeight + audioWeight + muxWeight
    }

    /// Plans a render.
    ///
    /// - Parameters:
    ///   - tracks: The album's tracks in order, each with its exact decoded duration.
    ///   - options: Output settings.
    ///   - workDirectory: Directory for the clips, the audio, the concat list and the chapter file.
    ///   - output: Path that the final mux writes.
    /// - Throws: `RenderError` when there are no tracks, a duration is not a positive number, or an option is out
    ///   of range.
    public init(
        tracks renderTracks: [RenderTrack],
        options: RenderOptions,
        workDirectory: URL,
        output: URL
    ) throws(RenderError) {
        try Self.validate(tracks: renderTracks, options: options)
        let background = try Self.parseBackground(options.background)

        self.options = options
        let fps = Double(options.fps)

        // Frame boundaries come from the running sum, so rounding never accumulates across tracks.
        var planned: [Track] = []
        var runningTotal = 0.0
        for (index, track) in renderTracks.enumerated() {
            let start = runningTotal
            runningTotal += track.duration
            let firstFrame = Int((start * fps).rounded())
            let endFrame = Int((runningTotal * fps).rounded())
            planned.append(
                Track(
                    index: index,
                    start: start,
                    duration: track.duration,
                    firstFrame: firstFrame,
                    frameCount: endFrame - firstFrame,
                    clipIndex: nil
                )
            )
        }
        totalDuration = runningTotal
        totalFrames = Int((runningTotal * fps).rounded())

        // One clip per distinct cover, or per distinct cover and title text when titles are shown, that is shown
        // for at least one frame.
        var clipIndexByKey: [ClipKey: Int] = [:]
        var clipSources: [(cover: CoverSource, titleCard: TitleCard?, frames: Int)] = []
        for (index, track) in renderTracks.enumerated() where planned[index].frameCount > 0 {
            let titleCard = options.showsTitles ? Self.titleCard(for: track) : nil
            let key = ClipKey(cover: CoverKey(track.cover), titleCard: titleCard)
            let clipIndex: Int
            if let existing = clipIndexByKey[key] {
                clipIndex = existing
            } else {
                clipIndex = clipSources.count
                clipIndexByKey[key] = clipIndex
                clipSources.append((track.cover, titleCard, 0))
            }
            planned[index].clipIndex = clipIndex
            clipSources[clipIndex].frames = max(clipSources[clipIndex].frames, planned[index].frameCount)
        }
        self.tracks = planned

        let titleLayout = TitleLayout(width: options.width, height: options.height)
        clips = clipSources.enumerated().map { index, entry in
            let frameCount = min(entry.frames, Self.maximumClipFrames)
            let fileName = "clip-\(index).mp4"
            let titleImage = entry.titleCard.map { card in
                Self.titleImage(card: card, clipIndex: index, layout: titleLayout, workDirectory: workDirectory)
            }
            return Clip(
                index: index,
                cover: entry.cover,
                titleImage: titleImage,
                frameCount: frameCount,
                fileName: fileName,
                arguments: Self.clipArguments(
                    cover: entry.cover,
                    frameCount: frameCount,
                    options: options,
                    background: background,
                    titleImagePath: titleImage.map { workDirectory.appendingPathComponent($0.imageFileName).path },
                    titleLayout: titleLayout,
                    outputPath: workDirectory.appendingPathComponent(fileName).path
                ),
                weight: Self.clipWeight(
                    frameCount: frameCount, options: options, background: background, hasTitle: titleImage != nil)
            )
        }

        audioSampleRate = Self.chooseSampleRate(renderTracks.map(\.sampleRate))
        audioInputPaths = renderTracks.map { Self.absolutePath($0.audio) }
        audioOutputPath = workDirectory.appendingPathComponent(Self.audioFileName).path
        audioArguments = Self.audioArguments(
            inputs: audioInputPaths,
            sampleRate: audioSampleRate,
            bitrate: options.audioBitrate,
            gainDecibels: nil,
            outputPath: audioOutputPath
        )
        loudnessMeasurementArguments =
            options.normalizesLoudness
            ? Self.loudnessMeasurementArguments(inputs: audioInputPaths, sampleRate: audioSampleRate) : nil
        muxArguments = Self.muxArguments(
            concatListPath: workDirectory.appendingPathComponent(Self.concatListFileName).path,
            audioPath: workDirectory.appendingPathComponent(Self.audioFileName).path,
            chaptersPath: workDirectory.appendingPathComponent(Self.chaptersFileName).path,
            outputPath: Self.absolutePath(output)
        )
        concatList = Self.concatList(tracks: planned, clips: clips, fps: options.fps)
        chapterMetadata = Self.chapters(tracks: planned, titles: renderTracks.map(\.title), total: runningTotal)

        // Estimates from ffmpeg 5.1 on a shared 2-core machine: the audio pass ran at about 40× real time, the mux
        // at about 400× real time, and a 1080p clip took about 0.3 s plus 6 ms per frame.
        audioWeight = 0.2 + runningTotal / 40
        muxWeight = 0.1 + runningTotal / 400
        // The loudness measurement of a 60 s album took about 45% of the CPU time of its AAC pass (2.3–2.8 s against
        // 5.8 s), although loudnorm resamples to 192 kHz to measure the true peak.
        measurementWeight = options.normalizesLoudness ? 0.1 + runningTotal / 90 : 0
    }

    private var audioInputPaths: [String]
    private var audioOutputPath: String

    /// ffmpeg arguments of the audio pass with a gain in dB applied to the joined stream, the second pass of
    /// loudness normalization.
    ///
    /// The `volume` filter scales every sample by the same factor, so the length and the track boundaries stay
    /// exactly as they are.
    public func normalizedAudioArguments(gainDecibels: Double) -> [String] {
        Self.audioArguments(
            inputs: audioInputPaths,
            sampleRate: audioSampleRate,
            bitrate: options.audioBitrate,
            gainDecibels: gainDecibels,
            outputPath: audioOutputPath
        )
    }

    // MARK: - Validation

    private static func validate(tracks: [RenderTrack], options: RenderOptions) throws(RenderError) {
        guard !tracks.isEmpty else {
            throw RenderError(message: "There are no tracks to render.")
        }
        for (index, track) in tracks.enumerated() where !(track.duration.isFinite && track.duration > 0) {
            throw RenderError(
                message:
                    "Track \(index + 1) has an invalid duration (\(track.duration) s): it must be a positive number."
            )
        }
        guard (16...7680).contains(options.width), (16...7680).contains(options.height),
            options.width % 2 == 0, options.height % 2 == 0
        else {
            throw RenderError(
                message: "The frame size \(options.width)×\(options.height) is invalid: width and height must be even "
                    + "numbers from 16 to 7680."
            )
        }
        guard (1...120).contains(options.fps) else {
            throw RenderError(message: "The frame rate \(options.fps) is invalid: it must be from 1 to 120 fps.")
        }
        let bitrates = RenderOptions.audioBitrateRange
        guard bitrates.contains(options.audioBitrate) else {
            throw RenderError(
                message: "The audio bit rate \(options.audioBitrate) kbit/s is invalid: it must be from "
                    + "\(bitrates.lowerBound) to \(bitrates.upperBound)."
            )
        }
    }

    /// Parses the background option: "blur", "#RRGGBB" or "#RGB".
    static func parseBackground(_ text: String) throws(RenderError) -> RenderBackground {
        guard let background = RenderBackground(parsing: text) else {
            throw RenderError(
                message: "The background \"\(text)\" is invalid: write a colour as #RRGGBB or #RGB, or write blur.")
        }
        return background
    }

    // MARK: - ffmpeg arguments

    /// Options shared by every ffmpeg run: no standard input, warnings and errors only, progress on standard output.
    static let commonArguments = [
        "-nostdin", "-hide_banner", "-loglevel", "warning", "-nostats", "-progress", "pipe:1", "-y",
    ]

    /// Returns the rate that all tracks share when it is 44100 or 48000 Hz, which avoids resampling, else 48000.
    static func chooseSampleRate(_ rates: [Int?]) -> Int {
        guard let first = rates.first ?? nil, [44100, 48000].contains(first),
            rates.allSatisfy({ $0 == first })
        else {
            return defaultAudioSampleRate
        }
        return first
    }

    static func audioArguments(
        inputs: [String],
        sampleRate: Int,
        bitrate: Int,
        gainDecibels: Double?,
        outputPath: String
    ) -> [String] {
        var graph = joinedAudioGraph(inputCount: inputs.count, sampleRate: sampleRate)
        if let gainDecibels {
            graph += ",volume=\(formatDecimal(gainDecibels))dB"
        }
        return commonArguments + inputArguments(inputs) + [
            "-filter_complex", graph + "[audio]",
            "-map", "[audio]",
            "-map_metadata", "-1",
            "-c:a", "aac", "-b:a", "\(bitrate)k",
            "-f", "mp4", outputPath,
        ]
    }

    /// Arguments of the first pass of loudness normalization, which decodes the joined album and discards it.
    ///
    /// loudnorm writes its JSON report at the "info" log level. "level+info" tags every other line with its
    /// level, so the renderer can tell warnings from the report.
    static func loudnessMeasurementArguments(inputs: [String], sampleRate: Int) -> [String] {
        let graph =
            joinedAudioGraph(inputCount: inputs.count, sampleRate: sampleRate)
            + ",loudnorm=I=\(formatDecimal(loudnessTarget)):TP=\(formatDecimal(truePeakCeiling))"
            + ":LRA=11:print_format=json[audio]"
        return ["-nostdin", "-hide_banner", "-loglevel", "level+info", "-nostats", "-progress", "pipe:1", "-y"]
            + inputArguments(inputs) + [
                "-filter_complex", graph,
                "-map", "[audio]",
                "-f", "null", "-",
            ]
    }

    private static func inputArguments(_ inputs: [String]) -> [String] {
        inputs.flatMap { MediaProbe.audioInputGuardArguments + ["-i", $0] }
    }

    /// Builds a filter graph, without its final label, that decodes every input's first audio stream and joins
    /// them.
    private static func joinedAudioGraph(inputCount: Int, sampleRate: Int) -> String {
        // Every track is resampled to one rate and layout so the concat filter joins them sample-exactly.
        var chains: [String] = []
        var labels = ""
        for index in 0..<inputCount {
            chains.append(
                "[\(index):a:0]aresample=\(sampleRate)"
                    + ",aformat=sample_fmts=fltp:sample_rates=\(sampleRate):channel_layouts=stereo[a\(index)]"
            )
            labels += "[a\(index)]"
        }
        chains.append("\(labels)concat=n=\(inputCount):v=0:a=1")
        return chains.joined(separator: ";")
    }

    static func muxArguments(
        concatListPath: String,
        audioPath: String,
        chaptersPath: String,
        outputPath: String
    ) -> [String] {
        commonArguments + [
            "-f", "concat", "-i", concatListPath,
            "-i", audioPath,
            "-f", "ffmetadata", "-i", chaptersPath,
            "-map", "0:v:0", "-map", "1:a:0",
            // Chapter titles are chapter metadata: "-map_metadata 2" keeps them, "-map_metadata -1" would drop them.
            "-map_metadata", "2", "-map_chapters", "2",
            "-c", "copy",
            "-movflags", "+faststart",
            "-f", "mp4", outputPath,
        ]
    }

    // MARK: - Files

    /// Builds the concat list: whole clips as often as they fit, then the clip cut after the remaining frames.
    ///
    /// Every entry states its exact duration, because the concat demuxer otherwise starts the next entry at the
    /// outpoint, which is half a frame early.
    static func concatList(tracks: [Track], clips: [Clip], fps: Int) -> String {
        var text = "ffconcat version 1.0\n"
        for track in tracks {
            guard let clipIndex = track.clipIndex else {
                continue
            }
            let clip = clips[clipIndex]
            let wholeRepeats = track.frameCount / clip.frameCount
            let remainder = track.frameCount % clip.frameCount
            let clipDuration = formatSeconds(Double(clip.frameCount) / Double(fps))
            for _ in 0..<wholeRepeats {
                text += "file \(clip.fileName)\nduration \(clipDuration)\n"
            }
            if remainder > 0 {
                // An outpoint of exactly remainder/fps lets one more frame through; half a frame earlier is exact.
                let outpoint = (Double(remainder) - 0.5) / Double(fps)
                let duration = Double(remainder) / Double(fps)
                text += "file \(clip.fileName)\nduration \(formatSeconds(duration))\n"
                text += "outpoint \(formatSeconds(outpoint))\n"
            }
        }
        return text
    }

    static func chapters(tracks: [Track], titles: [String], total: Double) -> String {
        let chapters = tracks.map { track in
            let end = track.index + 1 < tracks.count ? tracks[track.index + 1].start : total
            return FFMetadata.Chapter(
                startMilliseconds: Int((track.start * 1000).rounded()),
                endMilliseconds: Int((end * 1000).rounded()),
                title: titles[track.index]
            )
        }
        return FFMetadata.document(chapters: chapters)
    }

    /// Formats seconds with six decimals and a point, independent of the locale.
    static func formatSeconds(_ seconds: Double) -> String {
        let microseconds = Int64((seconds * 1_000_000).rounded())
        let whole = microseconds / 1_000_000
        let fraction = String(microseconds % 1_000_000)
        return "\(whole)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// Formats a number with two decimals and a point, independent of the locale.
    static func formatDecimal(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// Returns an absolute path, which ffmpeg can never mistake for a protocol such as "http:" or an option.
    static func absolutePath(_ url: URL) -> String {
        url.absoluteURL.standardizedFileURL.path
    }

    /// Identity of a clip for de-duplication: its cover and, when titles are shown, its title text.
    private struct ClipKey: Hashable {
        var cover: CoverKey
        var titleCard: TitleCard?
    }

    /// Identity of a cover for de-duplication, comparing standardized paths.
    private struct CoverKey: Hashable {
        var isEmbedded: Bool
        var path: String

        init(_ cover: CoverSource) {
            switch cover {
            case .image(let url):
                isEmbedded = false
                path = RenderPlan.absolutePath(url)
            case .embedded(let audio):
                isEmbedded = true
                path = RenderPlan.absolutePath(audio)
            }
        }
    }
}
