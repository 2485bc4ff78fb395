import Foundation
import Synchronization

/// Generates small media files with ffmpeg for tests.
///
/// Every function runs the first ffmpeg in PATH (else /usr/bin/ffmpeg) with an argument array and throws
/// `MediaFixtures.Failure` with ffmpeg's error output when it fails.
enum MediaFixtures {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Audio container and codec of a generated tone.
    enum AudioFormat: String, CaseIterable, Sendable {
        /// MP3 (libmp3lame, variable bit rate).
        case mp3
        /// AAC in an MP4 container.
        case m4a
        /// FLAC with 24-bit samples.
        case flac
        /// 16-bit PCM WAV.
        case wav
        /// Vorbis in Ogg.
        case ogg
        /// Opus in Ogg (always 48 kHz).
        case opus
        /// 16-bit PCM AIFF.
        case aiff

        var fileExtension: String { rawValue }

        var codecArguments: [String] {
            switch self {
            case .mp3: ["-c:a", "libmp3lame", "-q:a", "4"]
            case .m4a: ["-c:a", "aac", "-b:a", "96k"]
            case .flac: ["-c:a", "flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24"]
            case .wav: ["-c:a", "pcm_s16le"]
            case .ogg: ["-c:a", "libvorbis", "-q:a", "3"]
            case .opus: ["-c:a", "libopus", "-b:a", "64k"]
            case .aiff: ["-c:a", "pcm_s16be", "-write_id3v2", "1"]
            }
        }
    }

    /// Still image format of a generated picture.
    enum ImageFormat: String, CaseIterable, Sendable {
        case jpeg
        case png
        case webp

        var fileExtension: String {
            switch self {
            case .jpeg: "jpg"
            case .png: "png"
            case .webp: "webp"
            }
        }
    }

    /// Creates a new empty directory under the system temporary directory.
    static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sleeve-media-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes a sine tone.
    ///
    /// - Parameters:
    ///   - seconds: Length of the tone.
    ///   - frequency: Tone frequency in Hz.
    ///   - format: Container and codec.
    ///   - sampleRate: Sample rate in Hz; Opus always encodes at 48 kHz.
    ///   - channels: 1 for mono, 2 for stereo.
    ///   - directory: Directory for the file.
    ///   - name: File name without extension; a unique name when nil.
    ///   - tags: Metadata tags, such as ["title": "Intro"].
    ///   - cover: An image file to embed as an attached picture (MP3 and M4A only).
    /// - Returns: The file's URL.
    @discardableResult
    static func tone(
        seconds: Double,
        frequency: Double,
        format: AudioFormat,
        sampleRate: Int = 44100,
        channels: Int = 2,
        into directory: URL,
        name: String? = nil,
        tags: [String: String] = [:],
        cover: URL? = nil
    ) throws -> URL {
        let url = directory.appendingPathComponent("\(name ?? "tone-\(UUID().uuidString)").\(format.fileExtension)")
        var arguments = [
            "-f", "lavfi", "-i", "sine=frequency=\(frequency):sample_rate=\(sampleRate):duration=\(seconds)",
        ]
        if let cover {
            arguments += [
                "-i", cover.path, "-map", "0:a", "-map", "1:v", "-c:v", "copy", "-disposition:v", "attached_pic",
            ]
        }
        arguments += ["-ac", "\(channels)"] + format.codecArguments
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            arguments += ["-metadata", "\(key)=\(value)"]
        }
        try runFFmpeg(arguments + [url.path])
        return url
    }

    /// Writes a single-colour image.
    ///
    /// - Parameters:
    ///   - colour: "#RRGGBB".
    ///   - alpha: Opacity from 0 to 1; below 1 the PNG and WebP keep an alpha channel (JPEG ignores it).
    @discardableResult
    static func image(
        width: Int,
        height: Int,
        colour: String,
        format: ImageFormat,
        alpha: Double = 1,
        into directory: URL,
        name: String? = nil
    ) throws -> URL {
        let url = directory.appendingPathComponent("\(name ?? "image-\(UUID().uuidString)").\(format.fileExtension)")
        let hex = colour.hasPrefix("#") ? String(colour.dropFirst()) : colour
        var arguments = ["-f", "lavfi", "-i", "color=c=0x\(hex)@\(alpha):s=\(width)x\(height),format=rgba"]
        arguments += ["-frames:v", "1", "-update", "1"]
        switch format {
        case .jpeg:
            arguments += ["-pix_fmt", "yuvj444p", "-c:v", "mjpeg", "-q:v", "2", "-f", "image2"]
        case .png:
            arguments += ["-pix_fmt", alpha < 1 ? "rgba" : "rgb24", "-c:v", "png", "-f", "image2"]
        case .webp:
            arguments += [
                "-pix_fmt", alpha < 1 ? "yuva420p" : "yuv420p", "-c:v", "libwebp", "-lossless", "1", "-f", "webp",
            ]
        }
        try runFFmpeg(arguments + [url.path])
        return url
    }

    /// Runs ffmpeg with errors-only logging and returns its standard output.
    @discardableResult
    static func runFFmpeg(_ arguments: [String]) throws -> Data {
        try run(tool: "ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + arguments)
    }

    /// Runs ffprobe with errors-only logging and returns its standard output.
    static func runFFprobe(_ arguments: [String]) throws -> Data {
        try run(tool: "ffprobe", ["-hide_banner", "-loglevel", "error"] + arguments)
    }

    /// Decodes one frame at `time` and returns the RGB colour of the pixel at (x, y), where x and y are even.
    static func pixelColour(of video: URL, at time: Double, x: Int, y: Int) throws -> (red: Int, green: Int, blue: Int)
    {
        let data = try runFFmpeg([
            "-ss", String(format: "%.4f", time), "-i", video.path, "-frames:v", "1",
            "-vf", "crop=2:2:\(x):\(y)", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        guard data.count >= 3 else {
            throw Failure(description: "ffmpeg returned no frame at \(time) s of \(video.path)")
        }
        let bytes = [UInt8](data.prefix(3))
        return (Int(bytes[0]), Int(bytes[1]), Int(bytes[2]))
    }

    /// Returns the number of samples per channel that ffmpeg decodes from the first audio stream.
    static func decodedSampleCount(of audio: URL, channels: Int) throws -> Int {
        let data = try runFFmpeg(["-i", audio.path, "-map", "0:a:0", "-f", "s16le", "-c:a", "pcm_s16le", "-"])
        return data.count / (2 * channels)
    }

    private static func run(tool: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executablePath(tool))
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let errorOutput = Pipe()
        process.standardOutput = output
        process.standardError = errorOutput
        try process.run()

        // Standard error is read on another thread so neither pipe can fill up and block ffmpeg.
        let errorBuffer = ErrorBuffer()
        let errorReader = Thread {
            errorBuffer.data.withLock { $0 = errorOutput.fileHandleForReading.readDataToEndOfFile() }
            errorBuffer.done.signal()
        }
        errorReader.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorBuffer.done.wait()

        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorBuffer.data.withLock { $0 }, as: UTF8.self)
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return data
    }

    private static func executablePath(_ tool: String) -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(tool)") {
            return "\(directory)/\(tool)"
        }
        return "/usr/bin/\(tool)"
    }

    private final class ErrorBuffer: Sendable {
        let data = Mutex(Data())
        let done = DispatchSemaphore(value: 0)
    }
}
