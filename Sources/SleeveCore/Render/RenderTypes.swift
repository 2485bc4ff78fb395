import Foundation

/// Output settings of a render.
///
/// Jobs store these settings as JSON. Decoding gives every field that the JSON lacks its default, so jobs stored
/// before a field existed still decode.
public struct RenderOptions: Sendable, Codable, Equatable {
    /// Frame width in pixels; must be even.
    public var width: Int
    /// Frame height in pixels; must be even.
    public var height: Int
    /// Constant frame rate in frames per second.
    public var fps: Int
    /// The fill around the fitted cover and under its transparent pixels: a colour written "#RRGGBB" or "#RGB",
    /// or "blur" for the cover itself, scaled to fill the frame, blurred and darkened.
    public var background: String
    /// AAC bit rate in kbit/s, within ``audioBitrateRange``.
    public var audioBitrate: Int
    /// Whether each track's title, and its artist when known, is drawn over its cover.
    public var showsTitles: Bool
    /// Whether the album's audio is normalized to ``RenderPlan/loudnessTarget`` LUFS integrated loudness.
    public var normalizesLoudness: Bool
    /// The speed and size trade-off of the H.264 cover clips.
    public var videoQuality: VideoQuality

    /// Accepted AAC bit rates in kbit/s.
    public static let audioBitrateRange = 64...320

    public init(
        width: Int = 1920,
        height: Int = 1080,
        fps: Int = 30,
        background: String = "#000000",
        audioBitrate: Int = 192,
        showsTitles: Bool = false,
        normalizesLoudness: Bool = false,
        videoQuality: VideoQuality = .fast
    ) {
        self.width = width
        self.height = height
        self.fps = fps
        self.background = background
        self.audioBitrate = audioBitrate
        self.showsTitles = showsTitles
        self.normalizesLoudness = normalizesLoudness
        self.videoQuality = videoQuality
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RenderOptions()
        width = try container.decodeIfPresent(Int.self, forKey: .width) ?? defaults.width
        height = try container.decodeIfPresent(Int.self, forKey: .height) ?? defaults.height
        fps = try container.decodeIfPresent(Int.self, forKey: .fps) ?? defaults.fps
        background = try container.decodeIfPresent(String.self, forKey: .background) ?? defaults.background
        audioBitrate = try container.decodeIfPresent(Int.self, forKey: .audioBitrate) ?? defaults.audioBitrate
        showsTitles = try container.decodeIfPresent(Bool.self, forKey: .showsTitles) ?? defaults.showsTitles
        normalizesLoudness =
            try container.decodeIfPresent(Bool.self, forKey: .normalizesLoudness) ?? defaults.normalizesLoudness
        videoQuality = try container.decodeIfPresent(VideoQuality.self, forKey: .videoQuality) ?? defaults.videoQuality
    }
}

/// The speed and size trade-off of the H.264 cover clips: an x264 preset and a constant quantizer.
public enum VideoQuality: String, Sendable, Codable, CaseIterable {
    /// x264 `ultrafast` at QP 20: the fastest encode and the largest file.
    case fast
    /// x264 `veryfast` at QP 23: about 40% smaller clips than `fast` for 40% more encoding time.
    case balanced
    /// x264 `veryfast` at QP 26: the smallest file, with slight blurring of fine detail.
    case small

    // Measured with ffmpeg 5.1 on a shared 2-core machine, encoding one 300-frame 1920×1080 clip of a photo:
    // fast 450 KB in 2.3 s of CPU time, balanced 281 KB in 3.3 s, small 219 KB in 3.4 s. A clip repeats with one
    // IDR frame every 300 frames, so the clip size sets the video bit rate: about 360 kbit/s for fast and 225 kbit/s
    // for balanced, next to 192 kbit/s of audio. The "faster" and "medium" presets made larger clips than
    // "veryfast" at the same quantizer and took longer.
    //
    // The default is fast, because render time is what a user waits for: a 3-track 1080p album took 30% more CPU
    // time with balanced (17.7 s against 13.6 s), while the file of a photo album shrinks by about a quarter.
    // Covers with little detail gain almost nothing from balanced: 1.54 MB against 1.57 MB for that album.

    /// The x264 preset.
    var x264Preset: String {
        switch self {
        case .fast: "ultrafast"
        case .balanced, .small: "veryfast"
        }
    }

    /// The constant H.264 quantizer, from 0 (lossless) to 51.
    var quantizer: Int {
        switch self {
        case .fast: 20
        case .balanced: 23
        case .small: 26
        }
    }
}

/// The fill of the frame around the fitted cover.
public enum RenderBackground: Sendable, Equatable {
    /// A solid colour as six uppercase hex digits, "RRGGBB".
    case colour(hex: String)
    /// The cover, scaled to fill the frame, blurred and darkened.
    case blur

    /// Parses "blur", "#RRGGBB" or "#RGB" (hex digits in either case, the "#" optional), or returns nil.
    public init?(parsing text: String) {
        if text.lowercased() == "blur" {
            self = .blur
            return
        }
        let digits = text.hasPrefix("#") ? text.dropFirst() : Substring(text)
        guard [3, 6].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
            return nil
        }
        let full = digits.count == 3 ? digits.map { "\($0)\($0)" }.joined() : String(digits)
        self = .colour(hex: full.uppercased())
    }

    /// The canonical text form: "blur" or "#RRGGBB".
    public var text: String {
        switch self {
        case .colour(let hex): "#\(hex)"
        case .blur: "blur"
        }
    }
}

/// The source of a track's cover picture.
public enum CoverSource: Sendable, Equatable, Hashable {
    /// A still image file.
    case image(URL)
    /// The attached picture stream of an audio file (its first video stream).
    case embedded(audio: URL)
}

/// One track of the album to render.
public struct RenderTrack: Sendable, Equatable {
    public var audio: URL
    public var cover: CoverSource
    public var title: String
    public var artist: String?
    /// Decoded length in seconds, as measured by `MediaProbe.probeAudio(at:)`.
    public var duration: Double
    /// Sample rate in Hz from `AudioInfo.sampleRate`, or nil when unknown.
    ///
    /// When every track of an album has the same rate of 44100 or 48000 Hz, the audio is encoded at that rate
    /// without resampling. Otherwise every track is resampled to 48000 Hz.
    public var sampleRate: Int?

    public init(
        audio: URL,
        cover: CoverSource,
        title: String,
        artist: String? = nil,
        duration: Double,
        sampleRate: Int? = nil
    ) {
        self.audio = audio
        self.cover = cover
        self.title = title
        self.artist = artist
        self.duration = duration
        self.sampleRate = sampleRate
    }
}

/// A report from a running render, delivered in order.
public enum RenderEvent: Sendable, Equatable {
    /// A warning or error line that ffmpeg wrote to standard error.
    case log(String)
    /// Work on track `index` (zero-based) begins; emitted once per track, in order.
    case segment(index: Int, total: Int, percent: Double)
    /// The final join of the video and mux with the audio begins.
    case concat(percent: Double)
    /// Overall progress in percent; never decreases, and a successful render ends with 100.
    case progress(percent: Double)
}

/// The timing of a finished render.
public struct RenderResult: Sendable, Equatable {
    /// Sum of the track durations in seconds.
    public var duration: Double
    /// Start time of each track in seconds.
    public var trackStarts: [Double]

    public init(duration: Double, trackStarts: [Double]) {
        self.duration = duration
        self.trackStarts = trackStarts
    }
}

/// A failure to render, with a plain sentence that names the step and the cause.
public struct RenderError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
