import Foundation
import SleeveCore
import SleeveTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` of the server binary in the middle of a render, then a restart on the same data folder.
@Suite(.serialized) struct CrashRecoveryTests {
    @Test func killedServerFinishesJobsAfterRestart() async throws {
        let media = try TemporaryFolder()
        let form = try JobLifecycleTests.smallAlbum(in: media.url)
        let slowFFmpeg = try JobLifecycleTests.delayedFFmpeg(in: media.url, seconds: 20)
        let data = media.url.appendingPathComponent("data").path
        let common = ["--data-dir", data, "--shutdown-grace-seconds", "0"]

        let first = try await ServerProcess(
            binary: CommandLineTests.sleeve, arguments: common + ["--ffmpeg", slowFFmpeg],
            logFile: media.url.appendingPathComponent("first.log"))
        let running = try #require(
            await first.client.request("POST", "/api/render", form: form).json["jobId"] as? String)
        let queued = try #require(
            await first.client.request("POST", "/api/render", form: form).json["jobId"] as? String)
        _ = try await JobLifecycleTests.waitForStatus("running", of: running, client: first.client)
        let before = ParsedEvent.parse(
            try await first.client.eventStream("/api/render/\(running)/log", timeout: 1))
        let lastSeen = try #require(before.last?.id)

        // An upload that is still arriving when the server dies.
        let big = media.url.appendingPathComponent("big.wav")
        try TestMedia.tone(big, seconds: 30, frequency: 220)
        let slowUpload = Process()
        slowUpload.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        slowUpload.arguments = [
            "curl", "-s", "-o", "/dev/null", "--limit-rate", "200k", "-F", #"meta={"tracks":[{}]}"#,
            "-F", "audio_0=@\(big.path)", "http://127.0.0.1:\(first.port)/api/render",
        ]
        try slowUpload.run()
        let uploads = URL(fileURLWithPath: data).appendingPathComponent("uploads")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && ((try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? []).isEmpty
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? []).isEmpty)

        await first.stop(signal: SIGKILL)
        slowUpload.waitUntilExit()
        // The parent-death signal ends the render's processes with the server.
        try await Task.sleep(for: .milliseconds(500))
        let leftovers = try Command.run("pgrep", ["-f", slowFFmpeg], allowFailure: true)
        #expect(leftovers.text.isEmpty, "processes outlived the server: \(leftovers.text)")

        let second = try await ServerProcess(
            binary: CommandLineTests.sleeve, arguments: common,
            logFile: media.url.appendingPathComponent("second.log"))
        defer { Task { await second.stop() } }
        let client = second.client
        #expect(
            ((try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? []).isEmpty,
            "the half-received upload was removed at start-up")

        // A client that reconnects with the last id it saw follows the job to its end.
        let resumed = ParsedEvent.parse(
            try await client.eventStream("/api/render/\(running)/log", lastEventId: lastSeen, timeout: 60))
        #expect(resumed.first.map { $0.id! > lastSeen } == true)
        let resumedLog = resumed.filter { $0.event == "log" }.map(\.data)
        #expect(resumedLog.contains { $0.contains("restarted") })
        #expect(resumed.last?.event == "done")
        let percents = (before + resumed).filter { $0.event == "progress" }.compactMap { $0.json["percent"] as? Double }
        #expect(percents == percents.sorted(), "percent never goes back, also across the restart")

        let status = try await client.request("GET", "/api/render/\(running)").json
        #expect(status["status"] as? String == "done")
        #expect(status["attempts"] as? Int == 2)
        let other = try await JobLifecycleTests.waitForStatus("done", of: queued, client: client)
        #expect(other["attempts"] as? Int == 1)
        let firstFinished = status["finishedAt"] as? String ?? ""
        let otherStarted = other["startedAt"] as? String ?? ""
        #expect(firstFinished <= otherStarted, "the queue kept its order")

        await second.stop()
        let store = try SQLiteJobStore(path: data + "/sleeve.sqlite")
        #expect(try store.integrityCheck() == "ok")
    }
}

/// Jobs that a restart finds interrupted, and an ffmpeg that crashes.
@Suite(.serialized) struct InterruptedJobTests {
    @Test func jobAtMaxAttemptsFailsWithReason() async throws {
        let data = try TemporaryFolder()
        let dataFolder = data.url.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: dataFolder, withIntermediateDirectories: true)
        // A job left `running` by a process that died on its third attempt.
        let id = UUID().uuidString.lowercased()
        do {
            let store = try SQLiteJobStore(path: dataFolder.appendingPathComponent("sleeve.sqlite").path)
            let job = Job(
                id: id, status: .running, createdAt: Date(), startedAt: Date(), album: nil, options: RenderOptions(),
                tracks: [
                    JobTrack(
                        title: "Lost", artist: nil, duration: 1, audioFile: "audio_0", cover: .image(file: "image_0"))
                ],
                attempts: 3)
            try store.insert(job, events: [JobEvent(kind: .log, data: "Rendering started.")])
            store.close()
        }

        try await withTestServer(configure: { $0.dataFolder = dataFolder }) { server in
            let status = try await server.client.request("GET", "/api/render/\(id)").json
            #expect(status["status"] as? String == "failed")
            #expect((status["error"] as? String)?.contains("interrupted 3 times") == true)
            let events = ParsedEvent.parse(try await server.client.eventStream("/api/render/\(id)/log", timeout: 10))
            #expect(events.last?.event == "error")
        }
    }

    @Test func crashingFFmpegFailsJob() async throws {
        let media = try TemporaryFolder()
        let form = try JobLifecycleTests.smallAlbum(in: media.url)
        let ffmpeg = try Command.run("sh", ["-c", "command -v ffmpeg"]).text.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let crashing = media.url.appendingPathComponent("ffmpeg-crashing")
        // Probes (to the null muxer) work; every render step dies of SIGSEGV.
        try """
        #!/bin/sh
        case "$*" in *"-f null"*) exec \(ffmpeg) "$@" ;; esac
        kill -SEGV $$

        """.write(to: crashing, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: crashing.path)

        try await withTestServer(configure: { $0.tools.ffmpeg = crashing.path }) { server in
            let jobId = try #require(
                await server.client.request("POST", "/api/render", form: form).json["jobId"] as? String)
            let status = try await JobLifecycleTests.waitForStatus("failed", of: jobId, client: server.client)
            let message = status["error"] as? String ?? ""
            #expect(message.contains("ffmpeg"), "\(message)")
            #expect(message.contains("signal 11"), "\(message)")
            #expect(server.storedFiles().filter { $0.hasSuffix(".mp4") || $0.contains("input/") }.isEmpty)
        }
    }
}
