import Foundation

/// The complete, precomputed work of one render: frame counts, start times, chapters, ffmpeg arguments and
/// progress weights.
///
/// Building a plan does no I/O. User text never enters an ffmpeg filter graph, which contains only numbers computed
/// here and stream labels. Titles go only into the chapter metadata file. File paths are passed only as whole `-i`
/// or output arguments, and the background colour is validated as six hex digits first.
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

    /// One short encoded clip of a distinct cover, repeated by the concat demuxer.
    public struct Clip: Sendable, Equatable {
        public var index: Int
        public var cover: CoverSource
        public var frameCount: Int
        /// File name inside the work directory.
        public var fileName: String
        /// ffmpeg arguments that encode the clip (without the program name).
        public var arguments: [String]
        /// Estimated cost in seconds of work, used to weight progress.
        public var weight: Double
    }

    /// Maximum clip length in frames. A track with more frames repeats the clip.
    public static let maximumClipFrames = 300
    /// Sample rate of the output audio when the tracks do not share one rate of 44100 or 48000 Hz.
    public static let defaultAudioSampleRate = 48000

    public static let audioFileName = "audio.m4a"
    public static let concatListFileName = "video.ffconcat"
    public static let chaptersFileName = "chapters.ffmetadata"

    public private(set) var options: RenderOptions
    public private(set) var tracks: [Track]
    public private(set) var clips: [Clip]
    /// Sum of the track durations in seconds.
    public private(set) var totalDuration: Double
    /// Sample rate of the output audio in Hz; every track is resampled to it.
    public private(set) var audioSampleRate: Int
    /// `round(totalDuration × fps)`, which equals the sum of the track frame counts.
    public private(set) var totalFrames: Int

    /// ffmpeg arguments that decode all tracks as one stream and encode AAC once.
    public private(set) var audioArguments: [String]
    /// ffmpeg arguments that join the clips, add the audio and chapters, and write the output.
    public private(set) var muxArguments: [String]
    /// Contents of the concat demuxer list that repeats and cuts the clips.
    public private(set) var concatList: String
    /// Contents of the ffmetadata file with one chapter per track.
    public private(set) var chapterMetadata: String

    /// Estimated cost of the audio pass in seconds of work, used to weight progress.
    public private(set) var audioWeight: Double
    /// Estimated cost of the final mux in seconds of work, used to weight progress.
    public private(set) var muxWeight: Double

    public var totalWeight: Double {
        clips.reduce(0) { $0 + $1.weight } + audioWeight + muxWeight
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
        let backgroundHex = try Self.parseBackground(options.background)

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

        // One clip per distinct cover that is shown for at least one frame.
        var clipIndexByCover: [CoverKey: Int] = [:]
        var clipCovers: [(cover: CoverSource, frames: Int)] = []
        for (index, track) in renderTracks.enumerated() where planned[index].frameCount > 0 {
            let key = CoverKey(track.cover)
            let clipIndex: Int
            if let existing = clipIndexByCover[key] {
                clipIndex = existing
            } else {
                clipIndex = clipCovers.count
                clipIndexByCover[key] = clipIndex
                clipCovers.append((track.cover, 0))
            }
            planned[index].clipIndex = clipIndex
            clipCovers[clipIndex].frames = max(clipCovers[clipIndex].frames, planned[index].frameCount)
        }
        self.tracks = planned

        let pixelScale = Double(options.width * options.height) / Double(1920 * 1080)
        clips = clipCovers.enumerated().map { index, entry in
            let frameCount = min(entry.frames, Self.maximumClipFrames)
            let fileName = "clip-\(index).mp4"
            return Clip(
                index: index,
                cover: entry.cover,
                frameCount: frameCount,
                fileName: fileName,
                arguments: Self.clipArguments(
                    cover: entry.cover,
                    frameCount: frameCount,
                    options: options,
                    backgroundHex: backgroundHex,
                    outputPath: workDirectory.appendingPathComponent(fileName).path
                ),
                weight: 0.3 + Double(frameCount) * pixelScale * 0.006
            )
        }

        audioSampleRate = Self.chooseSampleRate(renderTracks.map(\.sampleRate))
        audioArguments = Self.audioArguments(
            inputs: renderTracks.map { Self.absolutePath($0.audio) },
            sampleRate: audioSampleRate,
            bitrate: options.audioBitrate,
            outputPath: workDirectory.appendingPathComponent(Self.audioFileName).path
        )
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
        guard (32...512).contains(options.audioBitrate) else {
            throw RenderError(
                message: "The audio bit rate \(options.audioBitrate) kbit/s is invalid: it must be from 32 to 512."
            )
        }
    }

    /// Returns the six hex digits of a "#RRGGBB" colour.
    static func parseBackground(_ text: String) throws(RenderError) -> String {
        let digits = text.hasPrefix("#") ? text.dropFirst() : Substring(text)
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
            throw RenderError(message: "The background colour \"\(text)\" is invalid: write it as #RRGGBB.")
        }
        return String(digits).uppercased()
    }

    // MARK: - ffmpeg arguments

    /// Options shared by every ffmpeg run: no standard input, warnings and errors only, progress on standard output.
    static let commonArguments = [
        "-nostdin", "-hide_banner", "-loglevel", "warning", "-nostats", "-progress", "pipe:1", "-y",
    ]

    /// H.264 quantizer of the cover clips, from 0 (lossless) to 51.
    static let clipQuantizer = 20

    /// High-quality scaler flags for the cover and for the RGB to YUV conversion.
    private static let scaleFlags = "lanczos+accurate_rnd+full_chroma_int"

    static func clipArguments(
        cover: CoverSource,
        frameCount: Int,
        options: RenderOptions,
        backgroundHex: String,
        outputPath: String
    ) -> [String] {
        let input: [String]
        switch cover {
        case .image(let url):
            input = MediaProbe.imageInputFormatArguments + ["-i", absolutePath(url)]
        case .embedded(let audio):
            // NOTE: "[0:v:0]" is the file's first video stream, which is the attached picture in audio files. In a
            // file that also has a real video track before the picture, that track's first frame is used instead.
            input = MediaProbe.audioInputGuardArguments + ["-i", absolutePath(audio)]
        }

        let size = "\(options.width)x\(options.height)"
        // The cover is fitted inside the frame and drawn over the background in RGB, which applies any alpha.
        // The single composed frame is converted to BT.709 limited-range YUV 4:2:0 once, then repeated.
        let graph = [
            "[0:v:0]scale=w=\(options.width):h=\(options.height):force_original_aspect_ratio=decrease"
                + ":force_divisible_by=2:flags=\(scaleFlags),format=rgba[cover]",
            "color=c=0x\(backgroundHex):s=\(size):r=\(options.fps),format=rgb24[background]",
            "[background][cover]overlay=x=(W-w)/2:y=(H-h)/2:format=rgb:shortest=1,trim=end_frame=1"
                + ",scale=out_color_matrix=bt709:out_range=tv:flags=\(scaleFlags),format=yuv420p"
                + ",loop=loop=\(frameCount - 1):size=1:start=0,setpts=N[video]",
        ].joined(separator: ";")

        // One IDR frame then P-frames only, so the clip can be cut after any frame. The stitchable option keeps
        // the headers of different clips identical, so stream copy can join them.
        let x264Parameters =
            "keyint=\(frameCount):min-keyint=\(frameCount):scenecut=0:bframes=0:stitchable=1:repeat-headers=1"
        return commonArguments + input + [
            "-filter_complex", graph,
            "-map", "[video]",
            "-frames:v", "\(frameCount)",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage",
            // A constant quantizer skips rate-control analysis. With CRF 23, x264 5.1's P-frames kept refining
            // a still 1080p picture: the clip was 3.7 times larger and took about 20% more CPU time than at QP 20,
            // whose last frame measured 56 dB PSNR against the source.
            "-qp", "\(clipQuantizer)",
            "-x264-params", x264Parameters,
            "-pix_fmt", "yuv420p",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
            "-r", "\(options.fps)",
            "-an", "-f", "mp4", outputPath,
        ]
    }

    /// Returns the rate that all tracks share when it is 44100 or 48000 Hz, which avoids resampling, else 48000.
    static func chooseSampleRate(_ rates: [Int?]) -> Int {
        guard let first = rates.first ?? nil, [44100, 48000].contains(first),
            rates.allSatisfy({ $0 == first })
        else {
            return defaultAudioSampleRate
        }
        return first
    }

    static func audioArguments(inputs: [String], sampleRate: Int, bitrate: Int, outputPath: String) -> [String] {
        var arguments = commonArguments
        for path in inputs {
            arguments += MediaProbe.audioInputGuardArguments + ["-i", path]
        }

        // Every track is resampled to one rate and layout so the concat filter joins them sample-exactly.
        var chains: [String] = []
        var labels = ""
        for index in inputs.indices {
            chains.append(
                "[\(index):a:0]aresample=\(sampleRate)"
                    + ",aformat=sample_fmts=fltp:sample_rates=\(sampleRate):channel_layouts=stereo[a\(index)]"
            )
            labels += "[a\(index)]"
        }
        chains.append("\(labels)concat=n=\(inputs.count):v=0:a=1[audio]")

        return arguments + [
            "-filter_complex", chains.joined(separator: ";"),
            "-map", "[audio]",
            "-map_metadata", "-1",
            "-c:a", "aac", "-b:a", "\(bitrate)k",
            "-f", "mp4", outputPath,
        ]
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

    /// Returns an absolute path, which ffmpeg can never mistake for a protocol such as "http:" or an option.
    static func absolutePath(_ url: URL) -> String {
        url.absoluteURL.standardizedFileURL.path
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
