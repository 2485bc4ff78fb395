import Foundation
import SleeveCore
import SleeveTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Disk space, stalled renders and graceful shutdown.
@Suite(.serialized) struct ResilienceTests {
    @Test func lowDiskSpaceIsInsufficientStorage() async throws {
        let media = try TemporaryFolder()
        let form = try JobLifecycleTests.smallAlbum(in: media.url)
        // A margin larger than any test machine's free space.
        try await withTestServer(configure: { $0.minFreeMebibytes = 1_000_000 }) { server in
            let response = try await server.client.request("POST", "/api/render", form: form)
            #expect(response.status == 507)
            #expect((response.json["error"] as? String)?.contains("disk space") == true)
            #expect(server.storedFiles().isEmpty)
        }
    }

    @Test func stalledRenderFails() async throws {
        let media = try TemporaryFolder()
        let form = try JobLifecycleTests.smallAlbum(in: media.url)
        let ffmpeg = try JobLifecycleTests.delayedFFmpeg(in: media.url, seconds: 60)
        try await withTestServer(configure: {
            $0.tools.ffmpeg = ffmpeg
            $0.stallTimeoutSeconds = 2
        }) { server in
            let client = server.client
            let jobId = try #require(await client.request("POST", "/api/render", form: form).json["jobId"] as? String)
            let status = try await JobLifecycleTests.waitForStatus("failed", of: jobId, client: client, timeout: 60)
            #expect((status["error"] as? String)?.contains("no progress for 2 seconds") == true)
            let events = ParsedEvent.parse(try await client.eventStream("/api/render/\(jobId)/log", timeout: 10))
            #expect(events.last?.event == "error")
            #expect(server.storedFiles().filter { $0.hasSuffix("mp4") || $0.contains("input/") }.isEmpty)
        }
    }

    @Test func shutdownLetsRunningRenderFinish() async throws {
        let media = try TemporaryFolder()
        let form = try JobLifecycleTests.smallAlbum(in: media.url)
        let ffmpeg = try JobLifecycleTests.delayedFFmpeg(in: media.url, seconds: 1)
        let server = try TestServer(configure: {
            $0.tools.ffmpeg = ffmpeg
            $0.shutdownGraceSeconds = 30
        })
        defer { try? FileManager.default.removeItem(at: server.dataFolder) }
        let client = server.client
        let jobId = try #require(await client.request("POST", "/api/render", form: form).json["jobId"] as? String)
        _ = try await JobLifecycleTests.waitForStatus("running", of: jobId, client: client)

        async let stopped: Void = server.stopKeepingData()
        try await Task.sleep(for: .milliseconds(300))
        let refused = try await client.request("POST", "/api/render", form: form)
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] == "60")
        await stopped

        let store = try SQLiteJobStore(path: server.dataFolder.appendingPathComponent("sleeve.sqlite").path)
        #expect(try store.job(id: jobId)?.status == .done)
        #expect(try store.integrityCheck() == "ok")
        #expect(server.storedFiles().filter { $0.hasPrefix("uploads/") }.isEmpty)
    }
}

/// A render that fills the disk, on a small tmpfs as the data folder. Mounting needs root, as CI has.
@Suite(.serialized, .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct FullDiskTests {
    @Test func renderOnFullDiskFailsCleanly() async throws {
        let media = try TemporaryFolder()
        let audio = media.url.appendingPathComponent("long.mp3")
        let cover = media.url.appendingPathComponent("noise.png")
        try Command.run(
            "ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "anoisesrc=d=120:a=0.3", "-c:a",
                "libmp3lame",
                "-b:a", "48k", audio.path,
            ])
        try Command.run(
            "ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                "nullsrc=s=1280x720,geq=random(1)*255:128:128",
                "-frames:v", "1", cover.path,
            ])

        let mountPoint = media.url.appendingPathComponent("small-disk")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        try Command.run("mount", ["-t", "tmpfs", "-o", "size=5m", "tmpfs", mountPoint.path])
        defer { _ = try? Command.run("umount", ["-l", mountPoint.path], allowFailure: true) }
        let data = mountPoint.appendingPathComponent("data")

        let server = try TestServer(configure: { $0.dataFolder = data })
        let client = server.client
        let accepted = try await client.request(
            "POST", "/api/render",
            form: [
                ("meta", .text(#"{"tracks":[{"title":"Noise"}],"width":1920,"height":1080}"#)),
                ("audio_0", .file(audio)), ("image_0", .file(cover)),
            ])
        #expect(accepted.status == 202, "\(accepted.text)")
        let jobId = try #require(accepted.json["jobId"] as? String)
        let status = try await JobLifecycleTests.waitForStatus("failed", of: jobId, client: client, timeout: 120)
        let message = status["error"] as? String ?? ""
        #expect(message.contains("No space left") || message.contains("space"), "\(message)")
        let events = ParsedEvent.parse(try await client.eventStream("/api/render/\(jobId)/log", timeout: 10))
        #expect(events.last?.event == "error")
        await server.stopKeepingData()

        let leftovers = server.storedFiles().filter { !$0.hasSuffix("/input") && !$0.hasSuffix(jobId) }
        #expect(leftovers.isEmpty, "partial files remain: \(leftovers)")
        let store = try SQLiteJobStore(path: data.appendingPathComponent("sleeve.sqlite").path)
        #expect(try store.integrityCheck() == "ok")
        #expect(try store.job(id: jobId)?.status == .failed)
    }
}
