import Foundation
import Testing

@testable import SleeveCore

@Suite struct ServerSentEventsTests {
    @Test func encodesIdEventAndData() {
        let text = ServerSentEvents.encode(id: 7, event: "progress", data: #"{"step":"concat"}"#)
        #expect(text == "id: 7\nevent: progress\ndata: {\"step\":\"concat\"}\n\n")
    }

    @Test func splitsEveryLineEnding() {
        let text = ServerSentEvents.encode(id: 1, event: "log", data: "a\nb\r\nc\rd")
        #expect(text == "id: 1\nevent: log\ndata: a\ndata: b\ndata: c\ndata: d\n\n")
    }

    @Test func keepsEmptyData() {
        #expect(ServerSentEvents.encode(id: 2, event: "log", data: "") == "id: 2\nevent: log\ndata: \n\n")
    }

    @Test func commentStaysOnOneLine() {
        #expect(ServerSentEvents.comment("keep\nalive") == ": keep alive\n\n")
    }
}

@Suite struct ContentDispositionTests {
    @Test func asciiNameIsQuoted() {
        #expect(
            ContentDisposition.attachment(filename: "My Album.mp4")
                == "attachment; filename=\"My Album.mp4\"; filename*=UTF-8''My%20Album.mp4")
    }

    @Test func unicodeNameHasFallback() {
        let value = ContentDisposition.attachment(filename: "Café \"Live\"\n.mp4")
        #expect(value.hasPrefix("attachment; filename=\"Caf_ _Live__.mp4\""))
        #expect(value.hasSuffix("filename*=UTF-8''Caf%C3%A9%20%22Live%22_.mp4"))
        #expect(!value.contains("\n"))
    }
}

@Suite struct LoggerTests {
    @Test func quotesValuesThatNeedIt() {
        #expect(Logger.quote("plain") == "plain")
        #expect(Logger.quote("two words") == "\"two words\"")
        #expect(Logger.quote("a\"b\nc") == "\"a\\\"b\\nc\"")
        #expect(Logger.quote("") == "\"\"")
    }
}

@Suite struct ISO8601Tests {
    @Test func formatsUTC() {
        let date = Date(timeIntervalSince1970: 1_796_415_671.25)
        #expect(ISO8601.string(from: date) == "2026-12-04T20:21:11Z")
        #expect(ISO8601.string(from: date, fractionalSeconds: true) == "2026-12-04T20:21:11.250Z")
    }
}
