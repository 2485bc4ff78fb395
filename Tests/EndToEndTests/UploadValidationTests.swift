import Foundation
import SleeveCore
import SleeveTestSupport
import Testing

/// Each bad upload gets its status and a JSON error naming the field, and leaves no file and no job behind.
@Suite struct UploadValidationTests {
    /// Shared small inputs: a short MP3, a PNG, a text file and a WAV.
    final class Inputs: @unchecked Sendable {
        let folder: TemporaryFolder
        let mp3: URL
        let png: URL
        let text: URL
        let wav: URL

        init() throws {
            folder = try TemporaryFolder()
            mp3 = folder.url.appendingPathComponent("song.mp3")
            png = folder.url.appendingPathComponent("cover.png")
            text = folder.url.appendingPathComponent("notes.txt")
            wav = folder.url.appendingPathComponent("sound.wav")
            try TestMedia.tone(mp3, seconds: 0.5, frequency: 440)
            try TestMedia.tone(wav, seconds: 0.5, frequency: 440)
            try TestMedia.image(png, width: 64, height: 64, colour: "0x336699")
            try Data("These are not sounds.\n".utf8).write(to: text)
        }
    }

    static let oneTrack = #"{"tracks":[{"title":"One"}]}"#

    /// Sends `form`, checks the status and field, and that nothing was stored.
    private func expectRejected(
        _ form: [(String, CurlClient.FormPart)], status: Int, field: String?, on server: TestServer,
        headers: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let response = try await server.client.request("POST", "/api/render", headers: headers, form: form)
        #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers["content-type"]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        let message = response.json["error"] as? String ?? ""
        #expect(message.count > 20, "the message explains: \(message)", sourceLocation: sourceLocation)
        #expect(response.json["field"] as? String == field, "\(response.text)", sourceLocation: sourceLocation)
        #expect(server.storedFiles().isEmpty, "left behind: \(server.storedFiles())", sourceLocation: sourceLocation)
    }

    @Test func missingMetaIsRejected() async throws {
        let inputs = try Inputs()
        try await withTestServer { server in
            try await expectRejected(
                [("audio_0", .file(inputs.mp3)), ("image_0", .file(inputs.png))], status: 400, field: "meta", on: server
            )
        }
    }

    @Test func invalidMetaJSONIsRejected() async throws {
        let inputs = try Inputs()
        try await withTestServer { server in
            try await expectRejected(
                [("meta", .text("{tracks:")), ("audio_0", .file(inputs.mp3)), ("image_0", .file(inputs.png))],
                status: 400, field: "meta", on: server)
        }
    }

    @Test func outOfRangeSizeIsRejected() async throws {
        let inputs = try Inputs()
        try await withTestServer { server in
            try await expectRejected(
                [
                    ("meta", .text(#"{"tracks":[{}],"width":99999}"#)), ("audio_0", .file(inputs.mp3)),
                    ("image_0", .file(inputs.png)),
                ],
                status: 400, field: "meta.width", on: server)
        }
    }

    @Test func trackWithoutAudioIsRejected() async throws {
        let inputs = try Inputs()
        try await withTestServer { server in
            try await expectRejected(
                [
                    ("meta", .text(#"{"tracks":[{},{}]}"#)), ("audio_0", .file(inputs.mp3)),
                    ("image_0", .file(inputs.png)),
                ],
                status: 400, field: "audio_1", on: server)
        }
    }

    @Test func fileForMissingTrackIsRejected() async throws {
        let inputs = try Inputs()
        try await withTestServer { server in
            try await expectRejected(
                [
                    ("meta", .text(Self.oneTrack)), ("audio_0", .file(inputs.mp3)), ("image_0", .file(inputs.png)),
                    ("image_1", .file(inputs.png)),
                ],
                status: 400, field: "image_1", on: server)
        }
    }

    @Test func unknownFieldIsRejected() async throws {
        let inputs = try Inputs()
        try await withTestServer { server in
            try await expectRejected(
                [("meta", .text(Self.oneTrack)), ("audio_0", .file(inputs.mp3)), ("cover", .file(inputs.png))],
                status: 400, field: "cover", on: server)
        }
    }

    @Test func textAsAudioIsUnsupported() async throws {
        let inputs = try Inputs()
        try await withTestServer { server in
            try await expectRejected(
                [
                    ("meta", .text(Self.oneTrack)),
                    ("audio_0", .file(inputs.text, filename: "song.mp3", contentType: "audio/mpeg")),
                    ("image_0", .file(inputs.png)),
                ],
                status: 415, field: "audio_0", on: server)
        }
    }

    @Test func audioAsImageIsUnsupported() async throws {
        let inputs = try Inputs()
        try await withTestServer { server in
            try await expectRejected(
                [
                    ("meta", .text(Self.oneTrack)), ("audio_0", .file(inputs.mp3)),
                    ("image_0", .file(inputs.wav, filename: "cover.png", contentType: "image/png")),
                ],
                status: 415, field: "image_0", on: server)
        }
    }

    @Test(arguments: ["hls", "ffconcat"])
    func referenceFormatIsUnsupported(kind: String) async throws {
        let inputs = try Inputs()
        // A playlist named .mp3 that points at another file on the machine. Plain ffprobe follows it and reports
        // that file's audio, which shows the file really is a reference; Sleeve must not open it.
        let playlist = inputs.folder.url.appendingPathComponent("playlist.mp3")
        let text =
            kind == "hls"
            ? "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1,\n\(inputs.mp3.path)\n#EXT-X-ENDLIST\n"
            : "ffconcat version 1.0\nfile \(inputs.mp3.path)\n"
        try text.write(to: playlist, atomically: true, encoding: .utf8)
        if kind == "hls" {
            let followed = try Command.run(
                "ffprobe", ["-v", "error", "-show_entries", "format=format_name", playlist.path])
            #expect(followed.text.contains("hls"))
        }

        try await withTestServer { server in
            try await expectRejected(
                [("meta", .text(Self.oneTrack)), ("audio_0", .file(playlist)), ("image_0", .file(inputs.png))],
                status: 415, field: "audio_0", on: server)
        }
    }

    @Test func albumWithoutCoverIsRejected() async throws {
        let inputs = try Inputs()
        try await withTestServer { server in
            try await expectRejected(
                [("meta", .text(Self.oneTrack)), ("audio_0", .file(inputs.mp3))], status: 400, field: "image_0",
                on: server)
        }
    }

    @Test func emptyFileIsRejected() async throws {
        let inputs = try Inputs()
        let empty = inputs.folder.url.appendingPathComponent("empty.mp3")
        try Data().write(to: empty)
        try await withTestServer { server in
            try await expectRejected(
                [("meta", .text(Self.oneTrack)), ("audio_0", .file(empty)), ("image_0", .file(inputs.png))],
                status: 400, field: "audio_0", on: server)
        }
    }

    @Test func fileOverLimitIsTooLarge() async throws {
        let inputs = try Inputs()
        let large = inputs.folder.url.appendingPathComponent("large.wav")
        try TestMedia.tone(large, seconds: 8, frequency: 440)  // about 1.4 MiB
        try await withTestServer(configure: { $0.maxFileMebibytes = 1 }) { server in
            try await expectRejected(
                [("meta", .text(Self.oneTrack)), ("audio_0", .file(large)), ("image_0", .file(inputs.png))],
                status: 413, field: "audio_0", on: server)
        }
    }

    @Test func albumOverTotalLimitIsTooLarge() async throws {
        let inputs = try Inputs()
        let first = inputs.folder.url.appendingPathComponent("first.wav")
        let second = inputs.folder.url.appendingPathComponent("second.wav")
        try TestMedia.tone(first, seconds: 4, frequency: 440)  // about 0.7 MiB each
        try TestMedia.tone(second, seconds: 4, frequency: 550)
        try await withTestServer(configure: { $0.maxTotalMebibytes = 1 }) { server in
            // A chunked body has no Content-Length, so the server counts bytes as they arrive and stops at the
            // limit, in the second file.
            try await expectRejected(
                [
                    ("meta", .text(#"{"tracks":[{},{}]}"#)), ("audio_0", .file(first)), ("audio_1", .file(second)),
                    ("image_0", .file(inputs.png)),
                ],
                status: 413, field: "audio_1", on: server, headers: ["Transfer-Encoding": "chunked"])
        }
    }

    @Test func declaredLengthOverLimitIsAnsweredEarly() async throws {
        try await withTestServer(configure: { $0.maxTotalMebibytes = 1 }) { server in
            // Content-Length alone decides: the 413 comes before any body byte is read.
            let response = try await server.client.request(
                "POST", "/api/render",
                headers: ["Content-Type": "multipart/form-data; boundary=x", "Content-Length": "\(5 << 20)"],
                timeout: 10)
            #expect(response.status == 413)
            #expect(server.storedFiles().isEmpty)
        }
    }

    @Test func nonMultipartIsUnsupported() async throws {
        try await withTestServer { server in
            let response = try await server.client.request(
                "POST", "/api/render", headers: ["Content-Type": "application/json"], body: Data("{}".utf8))
            #expect(response.status == 415)
            #expect(server.storedFiles().isEmpty)
        }
    }

    @Test func unknownJobIsNotFound() async throws {
        try await withTestServer { server in
            let id = UUID().uuidString.lowercased()
            for path in [
                "/api/render/\(id)", "/api/render/\(id)/log", "/api/render/\(id)/download", "/api/render/nope",
            ] {
                let response = try await server.client.request("GET", path)
                #expect(response.status == 404, "\(path)")
                #expect(response.json["error"] is String, "\(path)")
            }
        }
    }
}

@Suite struct UploadLimitTests {
    @Test func longTrackIsRejected() async throws {
        let inputs = try UploadValidationTests.Inputs()
        try await withTestServer(configure: { $0.maxTrackMinutes = 0.005 }) { server in
            let response = try await server.client.request(
                "POST", "/api/render",
                form: [
                    ("meta", .text(UploadValidationTests.oneTrack)), ("audio_0", .file(inputs.mp3)),
                    ("image_0", .file(inputs.png)),
                ])
            #expect(response.status == 400)
            #expect(response.json["field"] as? String == "audio_0")
            #expect((response.json["error"] as? String)?.contains("--max-track-minutes") == true)
            #expect(server.storedFiles().isEmpty)
        }
    }

    @Test func longAlbumIsRejected() async throws {
        let inputs = try UploadValidationTests.Inputs()
        try await withTestServer(configure: { $0.maxAlbumMinutes = 0.012 }) { server in
            let response = try await server.client.request(
                "POST", "/api/render",
                form: [
                    ("meta", .text(#"{"tracks":[{},{}]}"#)), ("audio_0", .file(inputs.mp3)),
                    ("audio_1", .file(inputs.wav)), ("image_0", .file(inputs.png)),
                ])
            #expect(response.status == 400)
            #expect(response.json["field"] as? String == "meta.tracks")
            #expect(server.storedFiles().isEmpty)
        }
    }

    @Test func hugeCoverIsRejected() async throws {
        let inputs = try UploadValidationTests.Inputs()
        try await withTestServer(configure: { $0.maxImageMegapixels = 0.001 }) { server in
            let response = try await server.client.request(
                "POST", "/api/render",
                form: [
                    ("meta", .text(UploadValidationTests.oneTrack)), ("audio_0", .file(inputs.mp3)),
                    ("image_0", .file(inputs.png)),
                ])
            #expect(response.status == 400)
            #expect(response.json["field"] as? String == "image_0")
            #expect((response.json["error"] as? String)?.contains("64×64") == true)
        }
    }
}
