import Foundation
import SleeveTestSupport
import Testing

@testable import SleeveCore

func makeJob(id: String = UUID().uuidString.lowercased(), title: String = "One") -> Job {
    Job(
        id: id, createdAt: Date(timeIntervalSince1970: 1_700_000_000), album: "Album", options: RenderOptions(),
        tracks: [
            JobTrack(title: title, artist: nil, duration: 2.5, audioFile: "audio_0", cover: .image(file: "image_0"))
        ])
}

@Suite struct SQLiteJobStoreTests {
    @Test func insertedJobReadsBack() throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteJobStore(path: folder.url.appendingPathComponent("db.sqlite").path)
        let job = makeJob(title: "Quote \" and ' and \\ and 🎵")
        let stored = try store.insert(job, events: [JobEvent(kind: .log, data: "Queued.")])

        #expect(stored.count == 1)
        #expect(try store.job(id: job.id) == job)
        #expect(try store.events(of: job.id, after: 0).map(\.event) == [JobEvent(kind: .log, data: "Queued.")])
        #expect(try store.job(id: "missing") == nil)
    }

    @Test func claimTakesOldestFirst() throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteJobStore(path: folder.url.appendingPathComponent("db.sqlite").path)
        let first = makeJob()
        let second = makeJob()
        try store.insert(first, events: [])
        try store.insert(second, events: [])

        #expect(try store.queuedJobIds() == [first.id, second.id])
        let claimed = try store.claimNextQueued(at: Date())
        #expect(claimed?.id == first.id)
        #expect(claimed?.status == .running)
        #expect(claimed?.attempts == 1)
        #expect(try store.queuedJobIds() == [second.id])
        #expect(try store.runningJobIds() == [first.id])
    }

    @Test func eventsAfterIdAreReturnedInOrder() throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteJobStore(path: folder.url.appendingPathComponent("db.sqlite").path)
        let job = makeJob()
        let first = try store.insert(job, events: [JobEvent(kind: .log, data: "a"), JobEvent(kind: .log, data: "b")])
        try store.append([JobEvent(kind: .done, data: "{}")], to: job.id)

        let after = try store.events(of: job.id, after: first[0].id)
        #expect(after.map(\.event.data) == ["b", "{}"])
        #expect(after[0].id < after[1].id)
    }

    @Test func storeSurvivesReopen() throws {
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("db.sqlite").path
        let job = makeJob()
        do {
            let store = try SQLiteJobStore(path: path)
            try store.insert(job, events: [JobEvent(kind: .log, data: "kept")])
            store.close()
        }
        let reopened = try SQLiteJobStore(path: path)
        #expect(try reopened.job(id: job.id)?.id == job.id)
        #expect(try reopened.integrityCheck() == "ok")
    }

    @Test func finishedJobsAreListedForExpiry() throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteJobStore(path: folder.url.appendingPathComponent("db.sqlite").path)
        var job = makeJob()
        try store.insert(job, events: [])
        job.status = .done
        job.finishedAt = Date(timeIntervalSince1970: 1_000)
        try store.update(job, appending: [])

        #expect(try store.jobsFinished(before: Date(timeIntervalSince1970: 2_000)).map(\.id) == [job.id])
        #expect(try store.jobsFinished(before: Date(timeIntervalSince1970: 500)).isEmpty)
        job.isExpired = true
        try store.update(job, appending: [])
        #expect(try store.jobsFinished(before: Date(timeIntervalSince1970: 2_000)).isEmpty)
    }
}

@Suite struct EventHubTests {
    /// Reads everything the stream has now, as text, and whether it ended.
    private func drain(_ stream: EventStream) -> (text: String, state: HTTPStreamReadState) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let result = buffer.withUnsafeMutableBytes { stream.read(into: $0) }
            switch result {
            case .bytes(let count): bytes += buffer[0..<count]
            case .wait: return (String(decoding: bytes, as: UTF8.self), .waiting)
            case .end: return (String(decoding: bytes, as: UTF8.self), .ended)
            }
        }
    }

    enum HTTPStreamReadState { case waiting, ended }

    @Test func lateSubscriberGetsHistoryAndLiveEvents() throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteJobStore(path: folder.url.appendingPathComponent("db.sqlite").path)
        let hub = EventHub(store: store)
        let job = makeJob()
        try hub.insert(job, events: [JobEvent(kind: .log, data: "queued")])

        let stream = try hub.subscribe(jobId: job.id, after: 0)
        let woken = WakeCounter()
        stream.attach { woken.increment() }
        let first = drain(stream)
        #expect(first.text.contains("event: log\ndata: queued\n\n"))
        #expect(first.state == .waiting)

        try hub.append([JobEvent(kind: .done, data: #"{"downloadUrl":"/x"}"#)], to: job.id)
        #expect(woken.value == 1)
        let second = drain(stream)
        #expect(second.text.contains("event: done\ndata: {\"downloadUrl\":\"/x\"}\n\n"))
        #expect(second.state == .ended)
        stream.closed()
        #expect(hub.subscriberCount == 0)
    }

    @Test func reconnectSkipsSeenEvents() throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteJobStore(path: folder.url.appendingPathComponent("db.sqlite").path)
        let hub = EventHub(store: store)
        let job = makeJob()
        try hub.insert(job, events: [JobEvent(kind: .log, data: "one"), JobEvent(kind: .log, data: "two")])
        let firstId = try store.events(of: job.id, after: 0)[0].id

        let stream = try hub.subscribe(jobId: job.id, after: firstId)
        stream.attach {}
        let text = drain(stream).text
        #expect(!text.contains("data: one"))
        #expect(text.contains("data: two"))
        stream.closed()
    }
}

final class WakeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
