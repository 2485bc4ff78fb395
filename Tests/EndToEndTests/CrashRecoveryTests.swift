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
        let queued = try #require(await first.client.request("POST", "/api/render", form: form).json["jobId"] as? String)
        _ = try await JobLifecycleTests.waitForStatus("running", of: running, client: first.client)
        let before = ParsedEvent.parse(
            try await first.client.eventStream("/api/render/\(running)/log", timeout: 1))
        let lastSeen = try #require(before.last?.id)

        await first.stop(signal: SIGKILL)
        // The parent-death signal ends the render's processes with the server.
        try await Task.sleep(for: .milliseconds(500))
        let leftovers = try Command.run("pgrep", ["-f", slowFFmpeg], allowFailure: true)
        #expect(leftovers.text.isEmpty, "processes outlived the server: \(leftovers.text)")

        let second = try await ServerProcess(
            binary: CommandLineTests.sleeve, arguments: common,
            logFile: media.url.appendingPathComponent("second.log"))
        defer { Task { await second.stop() } }
        let client = second.client

        // A client that reconnects with the last id it saw follows the job to its end.
        let resumed = ParsedEvent.parse(
            try await client.eventStream("/api/render/\(running)/log", lastEventId: lastSeen, timeout: 60))
        #expect(resumed.first.map { $0.id! > lastSeen } == true)
        #expect(resumed.contains { $0.event == "log" && $0.data.contains("restarted") })
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
