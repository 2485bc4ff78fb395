import Foundation

/// Facts about an audio file, as probed and decoded by ffmpeg.
public struct AudioInfo: Sendable, Codable, Equatable {
    /// Decoded length in seconds, measured by decoding the whole audio stream (microsecond resolution).
    public var duration: Double
    public var sampleRate: Int
    public var channels: Int
    /// The ffmpeg codec name of the audio stream, such as "mp3" or "flac".
    public var codecName: String
    /// The ffmpeg demuxer name, such as "mp3" or "mov,mp4,m4a,3gp,3g2,mj2".
    public var formatName: String
    public var title: String?
    public var artist: String?
    public var album: String?
    public var trackNumber: Int?
    /// Whether the file has an attached picture stream that decodes as an image.
    public var hasEmbeddedCover: Bool

    public init(
        duration: Double,
        sampleRate: Int,
        channels: Int,
        codecName: String,
        formatName: String,
        title: String? = nil,
        artist: String? = nil,
        album: String? = nil,
        trackNumber: Int? = nil,
        hasEmbeddedCover: Bool = false
    ) {
        self.duration = duration
        self.sampleRate = sampleRate
        self.channels = channels
        self.codecName = codecName
        self.formatName = formatName
        self.title = title
        self.artist = artist
        self.album = album
        self.trackNumber = trackNumber
        self.hasEmbeddedCover = hasEmbeddedCover
    }
}

/// Facts about a still image, as probed and decoded by ffmpeg.
public struct ImageInfo: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    /// The ffmpeg codec name, such as "mjpeg", "png" or "webp".
    public var codecName: String
    /// Whether the decoded pixel format carries an alpha channel or a palette that may hold transparency.
    public var hasAlpha: Bool

    public init(width: Int, height: Int, codecName: String, hasAlpha: Bool) {
        self.width = width
        self.height = height
        self.codecName = codecName
        self.hasAlpha = hasAlpha
    }
}

/// A failure to probe a media file.
public struct MediaProbeError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The content is not audio, such as an image, a text file or an empty file.
        case notAudio
        /// The content is not a still image.
        case notImage
        /// The file cannot be opened, or its content fails to decode.
        case unreadable
        /// ffprobe or ffmpeg could not be started.
        case toolFailed
    }

    public var kind: Kind
    /// A plain sentence naming the problem.
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
