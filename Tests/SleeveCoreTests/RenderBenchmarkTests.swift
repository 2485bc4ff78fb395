import Foundation
import Synchronization
import Testing

@testable import SleeveCore

#if canImport(Glibc)
    import Glibc
#endif

extension MediaToolTests {
    /// A measurement, not a check: runs only when SLEEVE_RENDER_BENCHMARK is set, and prints wall times.
    ///
    /// It renders a generated album of 10 MP3 tracks of 60 s with 3000×3000 JPEG covers at 1920×1080, 30 fps. Then it
    /// encodes the same audio to AAC once, the floor that any render needs, and prints both times and their ratio.
    @Suite struct RenderBenchmarkTests {
        @Test(.enabled(if: ProcessInfo.processInfo.environment["SLEEVE_RENDER_BENCHMARK"] != nil))
        func tenTrackAlbumAgainstAudioFloor() async throws {
            let trackCount = 10
            let trackSeconds = 60
            let directory = try MediaFixtures.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }

            var tracks: [RenderTrack] = []
            let probe = MediaProbe(tools: MediaTools())
            var probeTime = Duration.zero
            for index in 0..<trackCount {
                let audio = directory.appendingPathComponent("track-\(index).mp3")
                try MediaFixtures.runFFmpeg([
                    "-f", "lavfi", "-i", "anoisesrc=d=\(trackSeconds):a=0.05:sample_rate=44100:seed=\(index + 1)",
                    "-f", "lavfi", "-i",
                    "sine=frequency=\(220 + 40 * index):duration=\(trackSeconds):sample_rate=44100",
                    "-filter_complex", "[0][1]amix=inputs=2", "-ac", "2", "-c:a", "libmp3lame", "-q:a", "2", audio.path,
                ])
                let cover = directory.appendingPathComponent("cover-\(index).jpg")
                try MediaFixtures.runFFmpeg([
                    "-f", "lavfi", "-i", "testsrc2=s=3000x3000", "-vf", "hue=h=\(index * 36)", "-frames:v", "1",
                    "-q:v", "3", "-update", "1", cover.path,
                ])
                let clock = ContinuousClock()
                let start = clock.now
                let info = try probe.probeAudio(at: audio)
                probeTime += clock.now - start
                tracks.append(
                    RenderTrack(
                        audio: audio, cover: .image(cover), title: "Track \(index + 1)", duration: info.duration,
                        sampleRate: info.sampleRate))
            }

            let clock = ContinuousClock()
            let renderStart = clock.now
            let output = directory.appendingPathComponent("album.mp4")
            let concatStart = Mutex<ContinuousClock.Instant?>(nil)
            _ = try await Renderer(tools: MediaTools()).render(
                tracks: tracks,
                options: RenderOptions(),
                workDirectory: directory.appendingPathComponent("work"),
                output: output,
                onEvent: { event in
                    if case .concat = event {
                        concatStart.withLock { $0 = ContinuousClock.now }
                    }
                }
            )
            let muxTime = concatStart.withLock { $0.map { clock.now - $0 } } ?? .zero
            let renderTime = clock.now - renderStart

            var floorArguments: [String] = []
            for track in tracks {
                floorArguments += ["-i", track.audio.path]
            }
            let labels = (0..<trackCount).map { "[\($0):a:0]" }.joined()
            floorArguments += [
                "-filter_complex", "\(labels)concat=n=\(trackCount):v=0:a=1[audio]", "-map", "[audio]",
                "-c:a", "aac", "-b:a", "192k", directory.appendingPathComponent("floor.m4a").path,
            ]
            let floorStart = clock.now
            try MediaFixtures.runFFmpeg(floorArguments)
            let floorTime = clock.now - floorStart

            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
            let size = try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int ?? 0
            let ratio = renderTime / floorTime
            print(
                "benchmark: \(trackCount)×\(trackSeconds) s album, 1920×1080 30 fps: render \(renderTime) (mux \(muxTime)), "
                    + "audio floor \(floorTime), ratio \(String(format: "%.2f", ratio)), probe \(probeTime) in all, "
                    + "output \(size / 1_000_000) MB, largest child RSS \(usage.ru_maxrss / 1024) MB"
            )
        }
    }
}
