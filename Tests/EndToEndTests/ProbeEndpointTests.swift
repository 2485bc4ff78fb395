import Foundation
import SleeveCore
import SleeveTestSupport
import Testing

@Suite struct ProbeEndpointTests {
    @Test func audioReportsTagsAndCover() async throws {
        let media = try TemporaryFolder()
        let cover = media.url.appendingPathComponent("cover.png")
        let audio = media.url.appendingPathComponent("tagged.mp3")
        try TestMedia.image(cover, width: 200, height: 100, colour: "0x00AA00")
        try TestMedia.toneWithCover(audio, seconds: 1.5, frequency: 440, cover: cover, title: "Tagged Title")

        try await withTestServer { server in
            let response = try await server.client.request("POST", "/api/probe", form: [("file", .file(audio))])
            #expect(response.status == 200, "\(response.text)")
            #expect(response.json["kind"] as? String == "audio")
            #expect(response.json["title"] as? String == "Tagged Title")
            let duration = try #require(response.json["duration"] as? Double)
            #expect(abs(duration - 1.5) < 0.06)
            let dataURL = try #require(response.json["cover"] as? String)
            #expect(dataURL.hasPrefix("data:image/jpeg;base64,"))
            #expect(server.storedFiles().isEmpty, "the probed file is not kept")
        }
    }

    @Test func imageReportsSize() async throws {
        let media = try TemporaryFolder()
        let image = media.url.appendingPathComponent("wide.webp")
        try TestMedia.image(image, width: 320, height: 120, colour: "0x123456")
        try await withTestServer { server in
            let response = try await server.client.request("POST", "/api/probe", form: [("file", .file(image))])
            #expect(response.status == 200)
            #expect(response.json["kind"] as? String == "image")
            #expect(response.json["width"] as? Int == 320)
            #expect(response.json["height"] as? Int == 120)
        }
    }

    @Test func otherFilesAreUnsupported() async throws {
        let media = try TemporaryFolder()
        let text = media.url.appendingPathComponent("notes.txt")
        try Data("just words\n".utf8).write(to: text)
        try await withTestServer { server in
            let response = try await server.client.request(
                "POST", "/api/probe", form: [("file", .file(text, filename: "song.mp3"))])
            #expect(response.status == 415)
            #expect(response.json["field"] as? String == "file")
            #expect((response.json["error"] as? String)?.contains("song.mp3") == true)
            #expect(server.storedFiles().isEmpty)
        }
    }
}
