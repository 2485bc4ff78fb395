import Foundation

/// Output settings of a render.
public struct RenderOptions: Sendable, Codable, Equatable {
    /// Frame width in pixels; must be even.
    public var width: Int
    /// Frame height in pixels; must be even.
    public var height: Int
    /// Constant frame rate in frames per second.
    public var fps: Int
    /// Colour behind the fitted cover and under transparent pixels, written "#RRGGBB".
    public var background: String
    /// AAC bit rate in kbit/s.
    public var audioBitrate: Int

    public init(
        width: Int = 1920,
        height: Int = 1080,
        fps: Int = 30,
        background: String = "#000000",
        audioBitrate: Int = 192
    ) {
        self.width = width
        self.height = height
        self.fps = fps
        self.background = background
        self.audioBitrate = audioBitrate
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
