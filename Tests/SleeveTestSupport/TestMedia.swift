import Foundation

/// Generates small media files with ffmpeg for tests.
public enum TestMedia {
    /// Writes a sine tone of `seconds` at `frequency` Hz. The container and codec follow the file extension:
    /// mp3, m4a (AAC), flac (24-bit), wav, ogg (Vorbis), opus, aiff.
    public static func tone(
        _ url: URL, seconds: Double, frequency: Int, sampleRate: Int = 44_100, channels: Int = 2
    ) throws {
        var arguments = [
            "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
            "-i", "sine=frequency=\(frequency):sample_rate=\(sampleRate):duration=\(seconds)",
            "-ac", "\(channels)",
        ]
        switch url.pathExtension {
        case "mp3": arguments += ["-c:a", "libmp3lame", "-b:a", "128k"]
        case "m4a": arguments += ["-c:a", "aac", "-b:a", "96k"]
        case "flac": arguments += ["-c:a", "flac", "-sample_fmt", "s32"]
        case "ogg": arguments += ["-c:a", "libvorbis"]
        case "opus": arguments += ["-c:a", "libopus"]
        default: break
        }
        try Command.run("ffmpeg", arguments + [url.path])
    }

    /// Writes a still image of one colour (`0xRRGGBB` or a colour name that ffmpeg accepts). With `transparent`, the PNG's
    /// pixels are fully transparent over that colour.
    public static func image(_ url: URL, width: Int, height: Int, colour: String, transparent: Bool = false) throws {
        var arguments = [
            "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
            "-i", "color=c=\(colour):s=\(width)x\(height):d=1", "-frames:v", "1",
        ]
        if transparent {
            arguments += ["-vf", "format=rgba,colorchannelmixer=aa=0", "-pix_fmt", "rgba"]
        }
        if url.pathExtension == "webp" {
            arguments += ["-c:v", "libwebp"]
        }
        try Command.run("ffmpeg", arguments + [url.path])
    }

    /// Writes an MP3 tone with `cover` embedded as its attached picture and a title tag.
    public static func toneWithCover(_ url: URL, seconds: Double, frequency: Int, cover: URL, title: String) throws {
        try Command.run(
            "ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                "-i", "sine=frequency=\(frequency):sample_rate=44100:duration=\(seconds)", "-i", cover.path,
                "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "mjpeg", "-disposition:v", "attached_pic",
                "-metadata", "title=\(title)", "-id3v2_version", "3", url.path,
            ])
    }

    /// Returns the RGB colour of the pixel at the centre of the frame shown at `time` seconds in a video.
    public static func centrePixel(of video: URL, at time: Double) throws -> (red: Int, green: Int, blue: Int) {
        let output = try Command.run(
            "ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-ss", String(format: "%.3f", time), "-i", video.path,
                "-frames:v", "1", "-vf", "crop=2:2:iw/2:ih/2,scale=1:1", "-f", "rawvideo", "-pix_fmt", "rgb24",
                "pipe:1",
            ])
        let bytes = [UInt8](output.standardOutput)
        guard bytes.count >= 3 else { throw Command.Failure(description: "no frame at \(time) s in \(video.path)") }
        return (Int(bytes[0]), Int(bytes[1]), Int(bytes[2]))
    }

    /// ffprobe's JSON report of a file's streams and format.
    public static func probe(_ url: URL, extra: [String] = []) throws -> [String: Any] {
        let output = try Command.run(
            "ffprobe", ["-v", "error", "-print_format", "json", "-show_streams", "-show_format"] + extra + [url.path])
        return (try JSONSerialization.jsonObject(with: output.standardOutput) as? [String: Any]) ?? [:]
    }
}
