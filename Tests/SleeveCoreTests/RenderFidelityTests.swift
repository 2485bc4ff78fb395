import Foundation
import Synchronization
import Testing

@testable import SleeveCore

extension MediaToolTests {
    @Suite struct RenderFidelityTests {
        final class EventRecorder: Sendable {
            let events = Mutex<[RenderEvent]>([])

            func record(_ event: RenderEvent) {
                events.withLock { $0.append(event) }
            }
        }

        struct Colour {
            var red: Int
            var green: Int
            var blue: Int

            func isClose(to other: (red: Int, green: Int, blue: Int), tolerance: Int = 14) -> Bool {
                abs(red - other.red) <= tolerance && abs(green - other.green) <= tolerance
                    && abs(blue - other.blue) <= tolerance
            }
        }

        @Test func mixedAlbumRendersExactly() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let probe = MediaProbe(tools: MediaTools())

            // Background #000040; the PNG is #20C020 at 50% opacity, so it shows as about (16, 96, 48).
            let red = try MediaFixtures.image(
                width: 640, height: 360, colour: "#E02020", format: .jpeg, into: directory)
            let halfGreen = try MediaFixtures.image(
                width: 333, height: 501, colour: "#20C020", format: .png, alpha: 0.5, into: directory
            )
            let blue = try MediaFixtures.image(
                width: 400, height: 400, colour: "#2040E0", format: .webp, into: directory)
            let yellow = try MediaFixtures.image(
                width: 100, height: 300, colour: "#E0E020", format: .jpeg, into: directory)
            let expectedColours = [
                Colour(red: 0xE0, green: 0x20, blue: 0x20),
                Colour(red: 16, green: 96, blue: 48),
                Colour(red: 0x20, green: 0x40, blue: 0xE0),
                Colour(red: 0xE0, green: 0xE0, blue: 0x20),
            ]

            let audio = [
                try MediaFixtures.tone(
                    seconds: 10.5, frequency: 440, format: .mp3, sampleRate: 44100, channels: 2, into: directory),
                try MediaFixtures.tone(
                    seconds: 2.5, frequency: 660, format: .m4a, sampleRate: 48000, channels: 1, into: directory),
                try MediaFixtures.tone(
                    seconds: 2.4, frequency: 880, format: .flac, sampleRate: 48000, channels: 2, into: directory),
                try MediaFixtures.tone(seconds: 1.2, frequency: 330, format: .mp3, into: directory, cover: yellow),
            ]
            let covers: [CoverSource] = [.image(red), .image(halfGreen), .image(blue), .embedded(audio: audio[3])]
            let titles = ["First = one", "Second; #2", "Third \\ slash", "Fourth"]
            var tracks: [RenderTrack] = []
            for index in audio.indices {
                let info = try probe.probeAudio(at: audio[index])
                tracks.append(
                    RenderTrack(
                        audio: audio[index], cover: covers[index], title: titles[index], duration: info.duration,
                        sampleRate: info.sampleRate
                    )
                )
            }
            let total = tracks.map(\.duration).reduce(0, +)
            let options = RenderOptions(width: 320, height: 180, fps: 30, background: "#000040", audioBitrate: 128)
            let output = directory.appendingPathComponent("album, final: v1.mp4")
            let work = directory.appendingPathComponent("work")
            let recorder = EventRecorder()

            let result = try await Renderer(tools: MediaTools()).render(
                tracks: tracks, options: options, workDirectory: work, output: output, onEvent: recorder.record
            )

            #expect(abs(result.duration - total) < 1e-9)
            #expect(result.trackStarts.count == 4)
            #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty)

            // Streams.
            let report = try probeJSON(output)
            let streams = try #require(report["streams"] as? [[String: Any]])
            let video = try #require(streams.first { $0["codec_type"] as? String == "video" })
            let sound = try #require(streams.first { $0["codec_type"] as? String == "audio" })
            let frameDuration = 1.0 / 30
            #expect(video["codec_name"] as? String == "h264")
            #expect(video["width"] as? Int == 320)
            #expect(video["height"] as? Int == 180)
            #expect(video["pix_fmt"] as? String == "yuv420p")
            #expect(video["r_frame_rate"] as? String == "30/1")
            #expect(video["avg_frame_rate"] as? String == "30/1")
            #expect(video["color_space"] as? String == "bt709")
            #expect(Int(video["nb_frames"] as? String ?? "") == Int((total * 30).rounded()))
            let videoDuration = try #require(Double(video["duration"] as? String ?? ""))
            #expect(abs(videoDuration - total) <= frameDuration, "video \(videoDuration) s, tracks \(total) s")
            #expect(sound["codec_name"] as? String == "aac")
            #expect(sound["sample_rate"] as? String == "48000")
            #expect(sound["channels"] as? Int == 2)
            let audioDuration = try #require(Double(sound["duration"] as? String ?? ""))
            #expect(abs(audioDuration - total) <= frameDuration, "audio \(audioDuration) s, tracks \(total) s")

            // With +faststart the moov box comes before the mdat box.
            let boxes = try topLevelBoxTypes(of: output)
            let moovIndex = try #require(boxes.firstIndex(of: "moov"))
            let mdatIndex = try #require(boxes.firstIndex(of: "mdat"))
            #expect(moovIndex < mdatIndex, "\(boxes)")

            // Chapters.
            let chapters = try #require(report["chapters"] as? [[String: Any]])
            #expect(chapters.count == 4)
            for (index, chapter) in chapters.enumerated() where index < 4 {
                let tags = chapter["tags"] as? [String: String]
                #expect(tags?["title"] == titles[index])
                let start = Double(chapter["start_time"] as? String ?? "") ?? -1
                #expect(abs(start - result.trackStarts[index]) < 0.002)
            }

            // The cover of each track shows from its first frame to its last.
            let centre = (x: 160, y: 90)
            for index in tracks.indices {
                let firstFrame = Int((result.trackStarts[index] * 30).rounded())
                let endFrame = Int(((result.trackStarts[index] + tracks[index].duration) * 30).rounded())
                // Frames around a repeat of the 300-frame clip are checked too when the track is long enough.
                let repeatFrames = [firstFrame + 299, firstFrame + 300].filter { $0 < endFrame - 1 }
                for frame in [firstFrame, endFrame - 1] + repeatFrames {
                    let pixel = try MediaFixtures.pixelColour(
                        of: output, at: max(0, Double(frame) / 30 - 0.001), x: centre.x, y: centre.y
                    )
                    #expect(
                        expectedColours[index].isClose(to: pixel),
                        "track \(index + 1), frame \(frame): \(pixel)"
                    )
                }
            }
            // Outside the fitted portrait PNG, the background shows.
            let edge = try MediaFixtures.pixelColour(of: output, at: result.trackStarts[1] + 0.5, x: 4, y: 90)
            #expect(Colour(red: 0, green: 0, blue: 0x40).isClose(to: edge), "edge \(edge)")

            // Events.
            let events = recorder.events.withLock { $0 }
            let segments = events.compactMap { event -> Int? in
                if case .segment(let index, let count, _) = event {
                    #expect(count == 4)
                    return index
                }
                return nil
            }
            #expect(segments == [0, 1, 2, 3])
            let concatIndex = try #require(events.firstIndex { if case .concat = $0 { true } else { false } })
            let lastSegment = try #require(events.lastIndex { if case .segment = $0 { true } else { false } })
            #expect(lastSegment < concatIndex)
            #expect(events.last == .progress(percent: 100))
            let logLines = events.compactMap { event -> String? in
                if case .log(let line) = event { line } else { nil }
            }
            #expect(!logLines.contains { $0.contains("decoded audio") }, "\(logLines)")
            let percents = events.compactMap { event -> Double? in
                switch event {
                case .segment(_, _, let percent), .concat(let percent), .progress(let percent): percent
                case .log: nil
                }
            }
            #expect(zip(percents, percents.dropFirst()).allSatisfy { $0 <= $1 })
        }

        @Test func cancellationStopsFFmpeg() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let cover = try MediaFixtures.image(width: 64, height: 64, colour: "#808080", format: .png, into: directory)
            let audio = try MediaFixtures.tone(
                seconds: 240, frequency: 440, format: .wav, sampleRate: 48000, into: directory)
            let tracks = [RenderTrack(audio: audio, cover: .image(cover), title: "Long", duration: 240)]
            let output = directory.appendingPathComponent("out.mp4")
            let work = directory.appendingPathComponent("work")

            let task = Task {
                try await Renderer(tools: MediaTools()).render(
                    tracks: tracks,
                    options: RenderOptions(width: 320, height: 180),
                    workDirectory: work,
                    output: output,
                    onEvent: { _ in }
                )
            }
            try await Task.sleep(for: .milliseconds(700))
            let cancelledAt = ContinuousClock.now
            task.cancel()
            let outcome = await task.result
            let elapsed = ContinuousClock.now - cancelledAt

            #expect(throws: CancellationError.self) { try outcome.get() }
            #expect(elapsed < .seconds(1), "render took \(elapsed) to stop")
            #expect(!FileManager.default.fileExists(atPath: output.path))
            #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty)
        }

        @Test func missingFFmpegIsReported() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let tracks = [
                RenderTrack(
                    audio: directory.appendingPathComponent("a.mp3"),
                    cover: .image(directory.appendingPathComponent("c.jpg")),
                    title: "A",
                    duration: 1
                )
            ]
            let renderer = Renderer(tools: MediaTools(ffmpeg: "/missing/ffmpeg"))

            let error = await #expect(throws: RenderError.self) {
                try await renderer.render(
                    tracks: tracks,
                    options: RenderOptions(),
                    workDirectory: directory.appendingPathComponent("work"),
                    output: directory.appendingPathComponent("out.mp4"),
                    onEvent: { _ in }
                )
            }
            #expect(error?.message == "ffmpeg could not be run at /missing/ffmpeg: No such file or directory")
        }

        @Test func wrongDurationIsLogged() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let cover = try MediaFixtures.image(width: 32, height: 32, colour: "#FFFFFF", format: .png, into: directory)
            let audio = try MediaFixtures.tone(seconds: 1, frequency: 440, format: .wav, into: directory)
            let tracks = [RenderTrack(audio: audio, cover: .image(cover), title: "Short", duration: 1.5)]
            let recorder = EventRecorder()

            _ = try await Renderer(tools: MediaTools()).render(
                tracks: tracks,
                options: RenderOptions(width: 64, height: 64),
                workDirectory: directory.appendingPathComponent("work"),
                output: directory.appendingPathComponent("out.mp4"),
                onEvent: recorder.record
            )

            let logLines = recorder.events.withLock { events in
                events.compactMap { event -> String? in
                    if case .log(let line) = event { line } else { nil }
                }
            }
            #expect(
                logLines.contains {
                    $0.hasPrefix("The decoded audio lasts 1.0") && $0.contains("the track durations add up to 1.500 s")
                }, "\(logLines)")
        }

        @Test func missingOutputDirectoryIsReported() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let tracks = [
                RenderTrack(
                    audio: directory.appendingPathComponent("a.mp3"),
                    cover: .image(directory.appendingPathComponent("c.jpg")),
                    title: "A",
                    duration: 1
                )
            ]

            let error = await #expect(throws: RenderError.self) {
                try await Renderer(tools: MediaTools()).render(
                    tracks: tracks,
                    options: RenderOptions(),
                    workDirectory: directory.appendingPathComponent("work"),
                    output: directory.appendingPathComponent("missing/out.mp4"),
                    onEvent: { _ in }
                )
            }
            #expect(error?.message.hasPrefix("The output directory") == true)
        }

        @Test func missingAudioStreamFailsClearly() async throws {
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let cover = try MediaFixtures.image(width: 32, height: 32, colour: "#FFFFFF", format: .png, into: directory)
            let tracks = [RenderTrack(audio: cover, cover: .image(cover), title: "Not audio", duration: 1)]
            let work = directory.appendingPathComponent("work")

            let error = await #expect(throws: RenderError.self) {
                try await Renderer(tools: MediaTools()).render(
                    tracks: tracks,
                    options: RenderOptions(width: 64, height: 64),
                    workDirectory: work,
                    output: directory.appendingPathComponent("out.mp4"),
                    onEvent: { _ in }
                )
            }
            #expect(
                error?.message.hasPrefix("ffmpeg failed while encoding the audio (exit status") == true,
                "\(String(describing: error))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.mp4").path))
        }

        /// Returns the types of the top-level MP4 boxes in file order.
        private func topLevelBoxTypes(of url: URL) throws -> [String] {
            let bytes = [UInt8](try Data(contentsOf: url))
            var types: [String] = []
            var offset = 0
            while offset + 8 <= bytes.count {
                let size = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
                types.append(String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self))
                guard size >= 8 else {
                    break
                }
                offset += size
            }
            return types
        }

        private func probeJSON(_ url: URL) throws -> [String: Any] {
            let data = try MediaFixtures.runFFprobe([
                "-of", "json", "-show_streams", "-show_format", "-show_chapters", "-count_frames", url.path,
            ])
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
    }
}
