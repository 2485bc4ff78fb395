import Foundation
import SleeveCore
import SleeveTestSupport
import Testing

/// Queueing, cancelling, expiry and several clients on one job, with real ffmpeg behind a wrapper that waits
/// before it starts, so that a job stays running long enough to act on it.
@Suite(.serialized) struct JobLifecycleTests {
    /// Generates a one-track album, a 1 s MP3 and a PNG cover, and returns its form fields.
    static func smallAlbum(in folder: URL) throws -> [(String, CurlClient.FormPart)] {
        let audio = folder.appendingPathComponent("tone.mp3")
        let cover = folder.appendingPathComponent("cover.png")
        try TestMedia.tone(audio, seconds: 1, frequency: 500)
        try TestMedia.image(cover, width: 100, height: 100, colour: "0x884422")
        return [
            ("meta", .text(#"{"tracks":[{"title":"Short"}],"width":320,"height":180}"#)),
            ("audio_0", .file(audio)), ("image_0", .file(cover)),
        ]
    }

    /// Writes a script that runs the real ffmpeg with the same arguments. It sleeps `seconds` first when the
    /// call writes a file. The probes of uploads decode to the null muxer, so they run at once.
    static func delayedFFmpeg(in folder: URL, seconds: Double) throws -> String {
        let script = folder.appendingPathComponent("ffmpeg-after-delay")
        let ffmpeg = try Command.run("sh", ["-c", "command -v ffmpeg"]).text.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let text = """
            #!/bin/sh
            case "$*" in *"-f null"*) ;; *) sleep \(seconds) ;; esac
            exec \(ffmpeg) "$@"

            """
        try text.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return script.path
    }

    static func waitForStatus(
        _ status: String, of jobId: String, client: CurlClient, timeout: Double = 60
    ) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let json = try await client.request("GET", "/api/render/\(jobId)").json
            if json["status"] as? String == status { return json }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Command.Failure(description: "job \(jobId) did not reach \(status) within \(timeout) s")
    }

    @Test func fullQueueAnswersTooManyRequests() async throws {
        let media = try TemporaryFolder()
        let form = try Self.smallAlbum(in: media.url)
        // The first render waits long enough that it is still running whatever the machine's load.
        let ffmpeg = try Self.delayedFFmpeg(in: media.url, seconds: 60)
        try await withTestServer(configure: {
            $0.maxQueued = 1
            $0.tools.ffmpeg = ffmpeg
        }) { server in
            let client = server.client
            let first = try #require(await client.request("POST", "/api/render", form: form).json["jobId"] as? String)
            _ = try await Self.waitForStatus("running", of: first, client: client)

            let second = try await client.request("POST", "/api/render", form: form)
            #expect(second.status == 202)
            let secondId = try #require(second.json["jobId"] as? String)
            let queued = try await client.request("GET", "/api/render/\(secondId)").json
            #expect(queued["status"] as? String == "queued")
            #expect(queued["queuePosition"] as? Int == 1)

            let filesBefore = server.storedFiles().count
            let third = try await client.request("POST", "/api/render", form: form)
            #expect(third.status == 429)
            #expect(third.headers["retry-after"] == "30")
            #expect((third.json["error"] as? String)?.contains("queue is full") == true)
            #expect(server.storedFiles().count == filesBefore, "a rejected upload stores nothing")

            // Once the first job is cancelled, the queued one starts, and a new upload fits in the queue again.
            #expect(try await client.request("DELETE", "/api/render/\(first)").status == 204)
            _ = try await Self.waitForStatus("running", of: secondId, client: client)
            #expect(try await client.request("POST", "/api/render", form: form).status == 202)
            let events = ParsedEvent.parse(try await client.eventStream("/api/render/\(secondId)/log", timeout: 2))
            let logLines = events.filter { $0.event == "log" }.map(\.data)
            #expect(logLines.contains("Queued at position 1."))
        }
    }

    @Test func runningJobCancels() async throws {
        let media = try TemporaryFolder()
        let form = try Self.smallAlbum(in: media.url)
        let ffmpeg = try Self.delayedFFmpeg(in: media.url, seconds: 30)
        try await withTestServer(configure: { $0.tools.ffmpeg = ffmpeg }) { server in
            let client = server.client
            let jobId = try #require(await client.request("POST", "/api/render", form: form).json["jobId"] as? String)
            _ = try await Self.waitForStatus("running", of: jobId, client: client)

            let started = Date()
            let cancel = try await client.request("DELETE", "/api/render/\(jobId)")
            #expect(cancel.status == 204)
            let status = try await Self.waitForStatus("cancelled", of: jobId, client: client, timeout: 5)
            // ffmpeg stops within a second; the bound leaves room for polling on a loaded machine.
            #expect(Date().timeIntervalSince(started) < 5, "the render stops promptly")
            #expect(status["error"] as? String == "The job was cancelled.")

            let events = ParsedEvent.parse(try await client.eventStream("/api/render/\(jobId)/log", timeout: 10))
            #expect(events.last?.event == "error")
            #expect(events.last?.data.contains("cancelled") == true)
            #expect(
                try await client.request("DELETE", "/api/render/\(jobId)").status == 204, "cancelling twice is fine")
            #expect(server.storedFiles().filter { !$0.hasSuffix("/") && $0.split(separator: "/").count > 2 }.isEmpty)

            let sleeping = try Command.run("pgrep", ["-f", ffmpeg], allowFailure: true)
            #expect(sleeping.text.isEmpty, "no ffmpeg or wrapper process remains")
        }
    }

    @Test func queuedJobCancelsAndFinishedJobConflicts() async throws {
        let media = try TemporaryFolder()
        let form = try Self.smallAlbum(in: media.url)
        try await withTestServer { server in
            let client = server.client
            let jobId = try #require(await client.request("POST", "/api/render", form: form).json["jobId"] as? String)
            _ = try await Self.waitForStatus("done", of: jobId, client: client)
            let conflict = try await client.request("DELETE", "/api/render/\(jobId)")
            #expect(conflict.status == 409)
            #expect(try await client.request("DELETE", "/api/render/\(UUID().uuidString)").status == 404)
        }
    }

    @Test func clientsOnOneJobSeeSameEvents() async throws {
        let media = try TemporaryFolder()
        let form = try Self.smallAlbum(in: media.url)
        let ffmpeg = try Self.delayedFFmpeg(in: media.url, seconds: 1)
        try await withTestServer(configure: { $0.tools.ffmpeg = ffmpeg }) { server in
            let client = server.client
            let jobId = try #require(await client.request("POST", "/api/render", form: form).json["jobId"] as? String)

            async let first = Task.detached { try await client.eventStream("/api/render/\(jobId)/log", timeout: 60) }
                .value
            async let second = Task.detached { try await client.eventStream("/api/render/\(jobId)/log", timeout: 60) }
                .value
            let (one, two) = try await (first, second)
            let events = ParsedEvent.parse(one)
            #expect(events.last?.event == "done")
            #expect(ParsedEvent.parse(two) == events)
        }
    }

    @Test func expiredOutputIsGone() async throws {
        let media = try TemporaryFolder()
        let form = try Self.smallAlbum(in: media.url)
        try await withTestServer(configure: { $0.retentionMinutes = 0.02 }) { server in
            let client = server.client
            let jobId = try #require(await client.request("POST", "/api/render", form: form).json["jobId"] as? String)
            _ = try await Self.waitForStatus("done", of: jobId, client: client)

            let deadline = Date().addingTimeInterval(10)
            var status: [String: Any] = [:]
            while Date() < deadline {
                status = try await client.request("GET", "/api/render/\(jobId)").json
                if status["expired"] as? Bool == true { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(status["expired"] as? Bool == true)
            #expect(status["downloadUrl"] == nil)
            #expect(try await client.request("GET", "/api/render/\(jobId)/download").status == 410)
            let events = ParsedEvent.parse(try await client.eventStream("/api/render/\(jobId)/log", timeout: 10))
            #expect(events.last?.event == "done", "the history is kept")
            #expect(server.storedFiles().filter { $0.hasSuffix(".mp4") }.isEmpty)
        }
    }
}
