import Foundation
import SleeveTestSupport
import Testing

/// The `sleeve` binary, run as a user runs it.
@Suite(.serialized) struct CommandLineTests {
    /// The binary built beside this test bundle.
    static let sleeve = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("sleeve").path

    @Test func versionAndHelp() throws {
        let version = try Command.run(Self.sleeve, ["--version"])
        #expect(version.text.hasPrefix("sleeve "))
        let help = try Command.run(Self.sleeve, ["--help"])
        #expect(help.text.contains("sleeve serve"))
        #expect(help.text.contains("sleeve render"))

        let serveHelp = try Command.run(Self.sleeve, ["serve", "--help"])
        for option in [
            "--host", "--port", "--data-dir", "--max-file-mb", "--max-total-mb", "--workers", "--max-queued",
            "--retention-minutes", "--ffmpeg", "--ffprobe", "SLEEVE_MAX_FILE_MB",
        ] {
            #expect(serveHelp.text.contains(option), "serve --help lists \(option)")
        }
        let renderHelp = try Command.run(Self.sleeve, ["render", "--help"])
        #expect(renderHelp.text.contains("Example:"))
    }

    @Test func usageErrorsExitWith64() throws {
        let unknown = try Command.run(Self.sleeve, ["serve", "--port", "none"], allowFailure: true)
        #expect(unknown.status == 64)
        #expect(unknown.standardError.contains("--port"))
        let noTracks = try Command.run(Self.sleeve, ["render", "-o", "/tmp/x.mp4"], allowFailure: true)
        #expect(noTracks.status == 64)
        #expect(noTracks.standardError.contains("No tracks"))
        let oddWidth = try Command.run(
            Self.sleeve, ["render", "-o", "/tmp/x.mp4", "--width", "641", "a.mp3"], allowFailure: true)
        #expect(oddWidth.status == 64)
        #expect(try Command.run(Self.sleeve, ["frobnicate"], allowFailure: true).status == 64)
    }

    @Test func invalidOptionValuesExitWith64() throws {
        let cases: [([String], String)] = [
            (["--background", "navy"], "#RRGGBB"),
            (["--background"], "--background needs a value"),
            (["--audio-bitrate", "16"], "64 to 320"),
            (["--audio-bitrate", "fast"], "--audio-bitrate"),
            (["--quality", "best"], "fast, balanced, small"),
        ]
        for (options, message) in cases {
            let run = try Command.run(
                Self.sleeve, ["render", "-o", "/tmp/x.mp4", "a.mp3"] + options, allowFailure: true)
            #expect(run.status == 64, "\(options)")
            #expect(run.standardError.contains(message), "\(options): \(run.standardError)")
        }
        let help = try Command.run(Self.sleeve, ["render", "--help"])
        for option in ["--background", "--show-titles", "--normalize", "--audio-bitrate", "--quality"] {
            #expect(help.text.contains(option), "render --help lists \(option)")
        }
    }

    @Test func unusableInputsExitWith65() throws {
        let media = try TemporaryFolder()
        let text = media.url.appendingPathComponent("notes.mp3")
        try Data("words".utf8).write(to: text)
        let output = media.url.appendingPathComponent("out.mp4").path

        let missing = try Command.run(Self.sleeve, ["render", "-o", output, "missing.flac"], allowFailure: true)
        #expect(missing.status == 65)
        #expect(missing.standardError.contains("missing.flac"))
        let notAudio = try Command.run(Self.sleeve, ["render", "-o", output, text.path], allowFailure: true)
        #expect(notAudio.status == 65)
        #expect(notAudio.standardError.contains("not audio"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func albumRendersWithJSONProgress() throws {
        let media = try TemporaryFolder()
        let first = media.url.appendingPathComponent("first.flac")
        let second = media.url.appendingPathComponent("second.ogg")
        let cover = media.url.appendingPathComponent("cover.jpg")
        try TestMedia.tone(first, seconds: 1.5, frequency: 300, sampleRate: 48_000)
        try TestMedia.tone(second, seconds: 1.0, frequency: 600, sampleRate: 44_100, channels: 1)
        try TestMedia.image(cover, width: 500, height: 500, colour: "0xFFFF00")
        let output = media.url.appendingPathComponent("album.mp4")

        let run = try Command.run(
            Self.sleeve,
            [
                "render", "--json", "-o", output.path, "--cover", cover.path, "--width", "320", "--height", "180",
                first.path, "--title", "First: \"one\"", second.path, "--artist", "Someone",
            ])
        let lines = run.text.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
        }
        let steps = lines.compactMap { line -> String? in
            guard line["event"] as? String == "progress", let data = line["data"] as? [String: Any] else { return nil }
            return data["step"] as? String
        }
        #expect(steps == ["segment", "segment", "concat"])
        let done = try #require(lines.last)
        #expect(done["event"] as? String == "done")
        let data = try #require(done["data"] as? [String: Any])
        #expect(data["tracklist"] as? String == "0:00 First: \"one\"\n0:01 Someone - second")

        let report = try TestMedia.probe(output, extra: ["-show_chapters"])
        let chapters = try #require(report["chapters"] as? [[String: Any]])
        #expect(chapters.count == 2)
        let titles = chapters.compactMap { ($0["tags"] as? [String: String])?["title"] }
        #expect(titles == ["First: \"one\"", "second"])
        let format = try #require(report["format"] as? [String: Any])
        let duration = Double(format["duration"] as? String ?? "") ?? 0
        #expect(abs(duration - 2.5) < 0.1)
    }

    @Test func albumFileRenders() throws {
        let media = try TemporaryFolder()
        try TestMedia.tone(media.url.appendingPathComponent("a.wav"), seconds: 1, frequency: 400)
        try TestMedia.image(media.url.appendingPathComponent("front.png"), width: 64, height: 64, colour: "0x0000FF")
        let album = media.url.appendingPathComponent("album.json")
        try #"{"cover":"front.png","width":160,"height":90,"fps":25,"tracks":[{"audio":"a.wav","title":"Only"}]}"#
            .write(to: album, atomically: true, encoding: .utf8)
        let output = media.url.appendingPathComponent("album.mp4")

        let run = try Command.run(Self.sleeve, ["render", album.path, "-o", output.path])
        #expect(run.text == "0:00 Only\n")
        #expect(run.standardError.contains("Wrote"))
        let report = try TestMedia.probe(output)
        let video = (report["streams"] as? [[String: Any]])?.first { $0["codec_type"] as? String == "video" }
        #expect(video?["width"] as? Int == 160)
        #expect(video?["r_frame_rate"] as? String == "25/1")

        let again = try Command.run(Self.sleeve, ["render", album.path, "-o", output.path], allowFailure: true)
        #expect(again.status == 64, "an existing output needs --force")
    }

    @Test func renderOptionsApply() throws {
        let media = try TemporaryFolder()
        let first = media.url.appendingPathComponent("first.wav")
        let cover = media.url.appendingPathComponent("tall.png")
        try TestMedia.tone(first, seconds: 1.5, frequency: 300)
        try TestMedia.image(cover, width: 60, height: 180, colour: "0xFF0000")
        let album = media.url.appendingPathComponent("album.json")
        try
            #"{"cover":"tall.png","width":320,"height":180,"background":"blur","audioBitrate":96,"tracks":[{"audio":"first.wav"}]}"#
            .write(to: album, atomically: true, encoding: .utf8)
        let output = media.url.appendingPathComponent("album.mp4")

        let run = try Command.run(
            Self.sleeve,
            [
                "render", album.path, "-o", output.path, "--show-titles", "--normalize", "--quality", "small",
                "--audio-bitrate", "128",
            ])
        #expect(run.text == "0:00 first\n")
        let report = try TestMedia.probe(output)
        let streams = try #require(report["streams"] as? [[String: Any]])
        let audio = try #require(streams.first { $0["codec_type"] as? String == "audio" })
        let bitRate = Double(audio["bit_rate"] as? String ?? "") ?? 0
        // The flag's 128 kbit/s wins over the file's 96 kbit/s.
        #expect(bitRate > 100_000, "\(bitRate) bit/s")
        #expect(bitRate < 150_000, "\(bitRate) bit/s")
        // Beside the tall cover, the blurred background shows red instead of black.
        let edge = try Command.run(
            "ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-ss", "0.5", "-i", output.path, "-frames:v", "1",
                "-vf", "crop=2:2:10:40", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
            ])
        let red = try #require([UInt8](edge.standardOutput).first)
        #expect(red > 60, "red \(red) beside the cover")
    }
}
