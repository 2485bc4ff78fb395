import Foundation
import Testing

@testable import SleeveCore

/// Tests that run ffmpeg; they run one at a time to keep the load on shared machines low.
@Suite(.serialized) struct MediaToolTests {}

extension MediaToolTests {
    @Suite struct MediaProbeTests {
        let probe = MediaProbe(tools: MediaTools())

        @Test(arguments: [
            (MediaFixtures.AudioFormat.mp3, 44100, 2),
            (.m4a, 48000, 1),
            (.flac, 48000, 2),
            (.wav, 22050, 1),
            (.ogg, 44100, 2),
            (.opus, 48000, 2),
            (.aiff, 44100, 2),
        ])
        func audioDurationMatchesFullDecode(format: MediaFixtures.AudioFormat, sampleRate: Int, channels: Int) throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = try MediaFixtures.tone(
                seconds: 1.3,
                frequency: 440,
                format: format,
                sampleRate: sampleRate,
                channels: channels,
                into: directory,
                tags: ["title": "Tone \(format.rawValue)", "artist": "Fixture", "track": "3/9"]
            )

            let info = try probe.probeAudio(at: url)

            let samples = try MediaFixtures.decodedSampleCount(of: url, channels: channels)
            let decodedDuration = Double(samples) / Double(info.sampleRate)
            #expect(abs(info.duration - decodedDuration) < 2e-6, "\(format): \(info.duration) vs \(decodedDuration)")
            #expect(info.channels == channels)
            #expect(info.sampleRate == (format == .opus ? 48000 : sampleRate))
            #expect(info.title == "Tone \(format.rawValue)")
            #expect(info.artist == "Fixture")
            #expect(info.trackNumber == 3)
            #expect(!info.hasEmbeddedCover)
        }

        @Test func mp3WithoutXingHeaderIsExact() throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent("vbr.mp3")
            try MediaFixtures.runFFmpeg([
                "-f", "lavfi", "-i", "anoisesrc=d=2:a=0.3:sample_rate=44100", "-f", "lavfi", "-i",
                "sine=frequency=220:duration=2:sample_rate=44100", "-filter_complex", "[0][1]amix=inputs=2,volume=3",
                "-ac", "2", "-c:a", "libmp3lame", "-q:a", "0", "-write_xing", "0", url.path,
            ])

            let info = try probe.probeAudio(at: url)

            let samples = try MediaFixtures.decodedSampleCount(of: url, channels: 2)
            #expect(abs(info.duration - Double(samples) / 44100) < 2e-6)
            #expect(info.codecName == "mp3")
        }

        @Test func embeddedCoverIsDetected() throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let cover = try MediaFixtures.image(
                width: 64, height: 64, colour: "#FF0000", format: .jpeg, into: directory)
            let url = try MediaFixtures.tone(seconds: 0.5, frequency: 300, format: .mp3, into: directory, cover: cover)

            let info = try probe.probeAudio(at: url)

            #expect(info.hasEmbeddedCover)
        }

        @Test(arguments: MediaFixtures.ImageFormat.allCases)
        func imageFormatsAreRecognised(format: MediaFixtures.ImageFormat) throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let alpha = format == .jpeg ? 1 : 0.5
            let url = try MediaFixtures.image(
                width: 333, height: 501, colour: "#2040E0", format: format, alpha: alpha, into: directory
            )

            let info = try probe.probeImage(at: url)

            #expect(info.width == 333)
            #expect(info.height == 501)
            #expect(info.hasAlpha == (format != .jpeg))
        }

        @Test func imageIsJudgedByContentNotName() throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let jpeg = try MediaFixtures.image(width: 40, height: 30, colour: "#00FF00", format: .jpeg, into: directory)
            let misnamed = directory.appendingPathComponent("cover 100%d, a:b.png")
            try FileManager.default.moveItem(at: jpeg, to: misnamed)

            let info = try probe.probeImage(at: misnamed)

            #expect(info.codecName == "mjpeg")
            #expect(info.width == 40)
        }

        @Test func wavNamedPNGIsNotImage() throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let wav = try MediaFixtures.tone(seconds: 0.3, frequency: 440, format: .wav, into: directory)
            let misnamed = directory.appendingPathComponent("cover.png")
            try FileManager.default.moveItem(at: wav, to: misnamed)

            let error = try #require(throws: MediaProbeError.self) { try probe.probeImage(at: misnamed) }
            #expect(error.kind == .notImage)
            // The same file is still audio, whatever its name.
            #expect(try probe.probeAudio(at: misnamed).codecName == "pcm_s16le")
        }

        @Test func textFileIsNeitherAudioNorImage() throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let text = directory.appendingPathComponent("notes.mp3")
            try Data("These are liner notes, not music.\n".utf8).write(to: text)

            let audioError = try #require(throws: MediaProbeError.self) { try probe.probeAudio(at: text) }
            #expect(audioError.kind == .notAudio)
            #expect(audioError.message.hasPrefix("The file is not audio"))
            let imageError = try #require(throws: MediaProbeError.self) { try probe.probeImage(at: text) }
            #expect(imageError.kind == .notImage)
        }

        @Test func imageIsNotAudio() throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let image = try MediaFixtures.image(width: 32, height: 32, colour: "#123456", format: .png, into: directory)

            let error = try #require(throws: MediaProbeError.self) { try probe.probeAudio(at: image) }
            #expect(error.kind == .notAudio)
            #expect(error.message == "The file is not audio: its format is not one Sleeve accepts.")
        }

        @Test func emptyFileIsRejected() throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let empty = directory.appendingPathComponent("empty.flac")
            try Data().write(to: empty)

            let audioError = try #require(throws: MediaProbeError.self) { try probe.probeAudio(at: empty) }
            #expect(audioError.kind == .notAudio)
            #expect(audioError.message.contains("empty"))
            let imageError = try #require(throws: MediaProbeError.self) { try probe.probeImage(at: empty) }
            #expect(imageError.kind == .notImage)
        }

        @Test func truncatedFileIsRejected() throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let broken = directory.appendingPathComponent("broken.m4a")
            // An MP4 header box with no media: it opens as nothing decodable.
            try Data([0, 0, 0, 24] + Array("ftypM4A ".utf8) + [0, 0, 0, 0] + Array("M4A mp42".utf8)).write(to: broken)

            let error = try #require(throws: MediaProbeError.self) { try probe.probeAudio(at: broken) }
            #expect(error.kind == .notAudio || error.kind == .unreadable)
        }

        @Test func missingFileIsUnreadable() throws {
            let error = try #require(throws: MediaProbeError.self) {
                try probe.probeAudio(at: URL(fileURLWithPath: "/nonexistent/sleeve/track.mp3"))
            }
            #expect(error.kind == .unreadable)
            #expect(error.message.contains("/nonexistent/sleeve/track.mp3"))
        }

        @Test func missingToolIsReported() throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let wav = try MediaFixtures.tone(seconds: 0.2, frequency: 440, format: .wav, into: directory)
            let broken = MediaProbe(tools: MediaTools(ffmpeg: "/x/ffmpeg", ffprobe: "/x/ffprobe"))

            let error = try #require(throws: MediaProbeError.self) { try broken.probeAudio(at: wav) }
            #expect(error.kind == .toolFailed)
            #expect(error.message == "ffprobe could not be run at /x/ffprobe: No such file or directory")
        }
    }
}
