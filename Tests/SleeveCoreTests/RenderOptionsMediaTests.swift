import Foundation
import Synchronization
import Testing

@testable import SleeveCore

extension MediaToolTests {
    /// Renders with the background, title and loudness options through real ffmpeg and pango-view.
    @Suite struct RenderOptionsMediaTests {
        static let mixedTitle = #"Café 東京 שלום مرحبا 🎵 "quotes" \back\slash 100% a:b; {x} <b>&amp;</b> 'it'"#

        final class EventRecorder: Sendable {
            let events = Mutex<[RenderEvent]>([])

            func record(_ event: RenderEvent) {
                events.withLock { $0.append(event) }
            }

            var segmentIndexes: [Int] {
                events.withLock { events in
                    events.compactMap { event in
                        if case .segment(let index, _, _) = event { index } else { nil }
                    }
                }
            }
        }

        /// Writes a sine tone of `seconds` at `amplitude` (0 to 1) as 16-bit stereo WAV.
        func quietTone(seconds: Double, frequency: Int, amplitude: Double, into directory: URL) throws -> URL {
            let url = directory.appendingPathComponent("tone-\(frequency).wav")
            try MediaFixtures.runFFmpeg([
                "-f", "lavfi", "-i", "sine=frequency=\(frequency):sample_rate=48000:duration=\(seconds)",
                "-af", "volume=\(amplitude * 8)", "-ac", "2", "-c:a", "pcm_s16le", url.path,
            ])
            return url
        }

        func renderTracks(_ audio: [URL], covers: [URL], titles: [String], into directory: URL) throws
            -> [RenderTrack]
        {
            let probe = MediaProbe(tools: MediaTools())
            return try audio.indices.map { index in
                let info = try probe.probeAudio(at: audio[index])
                return RenderTrack(
                    audio: audio[index], cover: .image(covers[index]), title: titles[index],
                    artist: index == 0 ? "Ensemble Ñ" : nil, duration: info.duration, sampleRate: info.sampleRate)
            }
        }

        /// Returns the RGB bytes of a region of the frame at `time`.
        func region(of video: URL, at time: Double, x: Int, y: Int, width: Int, height: Int) throws -> [UInt8] {
            let data = try MediaFixtures.runFFmpeg([
                "-ss", String(format: "%.4f", time), "-i", video.path, "-frames:v", "1",
                "-vf", "crop=\(width):\(height):\(x):\(y)", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
            ])
            return [UInt8](data)
        }

        func streams(of media: URL) throws -> [[String: Any]] {
            let data = try MediaFixtures.runFFprobe(["-print_format", "json", "-show_streams", media.path])
            let report = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return try #require(report?["streams"] as? [[String: Any]])
        }

        /// Returns the integrated loudness in LUFS of the first audio stream, measured by ffmpeg's ebur128 filter.
        func integratedLoudness(of media: URL) throws -> Double {
            let data = try MediaFixtures.runFFmpeg([
                "-i", media.path, "-map", "0:a:0",
                "-af", "ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=-", "-f", "null", "-",
            ])
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
            let last = try #require(lines.last { $0.hasPrefix("lavfi.r128.I=") })
            return try #require(Double(last.dropFirst("lavfi.r128.I=".count)))
        }

        @Test func titleImageIsDrawn() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let card = TitleCard(title: Self.mixedTitle, artist: "Künstler 北京")
            let titleImage = RenderPlan.titleImage(
                card: card, clipIndex: 0, layout: TitleLayout(width: 640, height: 360), workDirectory: directory)

            try await Renderer(tools: MediaTools()).renderTitle(titleImage, trackNumber: 1, workDirectory: directory)

            let image = directory.appendingPathComponent("title-0.png")
            let bytes = [UInt8](try Data(contentsOf: image))
            #expect(bytes.count > 1000)
            #expect(bytes.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            // The PNG is as wide as the text area plus its margins, and some of its pixels are opaque.
            let layout = TitleLayout(width: 640, height: 360)
            let stream = try #require(try streams(of: image).first)
            #expect(stream["width"] as? Int == layout.textWidth + 2 * layout.margin)
            let pixels = try MediaFixtures.runFFmpeg(["-i", image.path, "-f", "rawvideo", "-pix_fmt", "rgba", "-"])
            let opaque = stride(from: 3, to: pixels.count, by: 4).filter { pixels[$0] > 200 }.count
            #expect(opaque > 500, "\(opaque) opaque pixels")
        }

        @Test func titlesAndBlurDrawOverCover() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let cover = try MediaFixtures.image(
                width: 100, height: 300, colour: "#E02020", format: .jpeg, into: directory)
            let audio = [
                try MediaFixtures.tone(seconds: 2, frequency: 440, format: .wav, into: directory),
                try MediaFixtures.tone(seconds: 1.5, frequency: 660, format: .wav, into: directory),
            ]
            let tracks = try renderTracks(
                audio, covers: [cover, cover], titles: [Self.mixedTitle, "Second"], into: directory)
            let work = directory.appendingPathComponent("work")

            let plainOutput = directory.appendingPathComponent("plain.mp4")
            _ = try await Renderer(tools: MediaTools()).render(
                tracks: tracks, options: RenderOptions(width: 320, height: 180), workDirectory: work,
                output: plainOutput, onEvent: { _ in })

            let titledOutput = directory.appendingPathComponent("titled.mp4")
            let recorder = EventRecorder()
            let result = try await Renderer(tools: MediaTools()).render(
                tracks: tracks,
                options: RenderOptions(width: 320, height: 180, background: "blur", showsTitles: true),
                workDirectory: work, output: titledOutput, onEvent: recorder.record)

            #expect(recorder.segmentIndexes == [0, 1])
            #expect(recorder.events.withLock { $0.last } == .progress(percent: 100))
            #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty)
            let video = try #require(try streams(of: titledOutput).first { $0["codec_type"] as? String == "video" })
            let frames = try #require(video["nb_frames"] as? String)
            #expect(Int(frames) == Int((result.duration * 30).rounded()))

            // The lower third carries the title in the titled video, for each track's own title.
            for time in [1.0, 2.8] {
                let plain = try region(of: plainOutput, at: time, x: 40, y: 130, width: 240, height: 40)
                let titled = try region(of: titledOutput, at: time, x: 40, y: 130, width: 240, height: 40)
                #expect(plain.count == titled.count)
                let changed = zip(plain, titled).filter { abs(Int($0) - Int($1)) > 40 }.count
                #expect(changed > 300, "at \(time) s only \(changed) bytes differ")
            }
            #expect(
                try region(of: titledOutput, at: 1.0, x: 40, y: 130, width: 240, height: 40)
                    != region(of: titledOutput, at: 2.8, x: 40, y: 130, width: 240, height: 40))

            // Beside the portrait cover, the plain video shows black and the blurred one a darkened red.
            let plainEdge = try MediaFixtures.pixelColour(of: plainOutput, at: 1, x: 10, y: 40)
            let blurEdge = try MediaFixtures.pixelColour(of: titledOutput, at: 1, x: 10, y: 40)
            #expect(plainEdge.red < 20, "\(plainEdge)")
            #expect((90...130).contains(blurEdge.red), "\(blurEdge)")
            #expect(blurEdge.green < 40, "\(blurEdge)")
            #expect(blurEdge.blue < 40, "\(blurEdge)")
        }

        @Test func normalizeReachesTargetLoudness() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let cover = try MediaFixtures.image(width: 64, height: 64, colour: "#2040E0", format: .png, into: directory)
            let audio = [
                try quietTone(seconds: 3, frequency: 440, amplitude: 0.02, into: directory),
                try quietTone(seconds: 2.5, frequency: 550, amplitude: 0.02, into: directory),
            ]
            let tracks = try renderTracks(audio, covers: [cover, cover], titles: ["A", "B"], into: directory)
            let total = tracks.map(\.duration).reduce(0, +)
            let work = directory.appendingPathComponent("work")

            let plainOutput = directory.appendingPathComponent("plain.mp4")
            _ = try await Renderer(tools: MediaTools()).render(
                tracks: tracks, options: RenderOptions(width: 160, height: 90), workDirectory: work,
                output: plainOutput, onEvent: { _ in })
            let normalizedOutput = directory.appendingPathComponent("normalized.mp4")
            let recorder = EventRecorder()
            let result = try await Renderer(tools: MediaTools()).render(
                tracks: tracks, options: RenderOptions(width: 160, height: 90, normalizesLoudness: true),
                workDirectory: work, output: normalizedOutput, onEvent: recorder.record)

            let before = try integratedLoudness(of: plainOutput)
            let after = try integratedLoudness(of: normalizedOutput)
            #expect(before < -30, "plain render: \(before) LUFS")
            // NOTE: the tracks share one level because on albums this short, loudnorm's integrated loudness in
            // ffmpeg 5.1 read up to 0.8 LU lower than the ebur128 filter's when the level changed between tracks.
            #expect(abs(after - RenderPlan.loudnessTarget) < 0.5, "normalized render: \(after) LUFS")

            #expect(result.trackStarts == [0, tracks[0].duration])
            #expect(recorder.segmentIndexes == [0, 1])
            #expect(recorder.events.withLock { $0.last } == .progress(percent: 100))
            let plainSamples = try MediaFixtures.decodedSampleCount(of: plainOutput, channels: 2)
            let normalizedSamples = try MediaFixtures.decodedSampleCount(of: normalizedOutput, channels: 2)
            #expect(normalizedSamples == plainSamples)
            #expect(abs(Double(normalizedSamples) / 48000 - total) < 1.0 / 30, "\(normalizedSamples) samples")
        }

        @Test func missingPangoViewIsReported() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let cover = try MediaFixtures.image(width: 64, height: 64, colour: "#2040E0", format: .png, into: directory)
            let audio = try MediaFixtures.tone(seconds: 1, frequency: 440, format: .wav, into: directory)
            let tracks = try renderTracks([audio], covers: [cover], titles: ["A"], into: directory)
            let output = directory.appendingPathComponent("out.mp4")

            let renderer = Renderer(tools: MediaTools(pangoView: "/missing/pango-view"))
            await #expect {
                try await renderer.render(
                    tracks: tracks, options: RenderOptions(width: 160, height: 90, showsTitles: true),
                    workDirectory: directory.appendingPathComponent("work"), output: output, onEvent: { _ in })
            } throws: { error in
                (error as? RenderError)?.message.contains("pango1.0-tools") == true
            }
            #expect(!FileManager.default.fileExists(atPath: output.path))
        }
    }
}
