import Foundation
import SleeveCore
import SleeveTestSupport
import Testing

/// The whole path with real ffmpeg: upload, follow the stream, download, check the video.
/// Serialised, because each test renders and the machine may have only two cores.
@Suite(.serialized) struct RenderFlowTests {
    struct Album {
        let folder: URL
        let form: [(String, CurlClient.FormPart)]
        let durations: [Double]
    }

    /// Generates a 3-track album of mixed formats: MP3 44.1 kHz stereo, M4A 48 kHz mono and 24-bit FLAC, with a JPEG, a
    /// transparent PNG of odd size and a WebP cover.
    static func makeMixedAlbum(in folder: URL, width: Int = 640, height: Int = 360) throws -> Album {
        let mp3 = folder.appendingPathComponent("one.mp3")
        let m4a = folder.appendingPathComponent("two.m4a")
        let flac = folder.appendingPathComponent("three.flac")
        try TestMedia.tone(mp3, seconds: 2.0, frequency: 440, sampleRate: 44_100, channels: 2)
        try TestMedia.tone(m4a, seconds: 2.5, frequency: 660, sampleRate: 48_000, channels: 1)
        try TestMedia.tone(flac, seconds: 1.5, frequency: 880, sampleRate: 48_000, channels: 2)

        let jpeg = folder.appendingPathComponent("red.jpg")
        let png = folder.appendingPathComponent("clear.png")
        let webp = folder.appendingPathComponent("blue.webp")
        try TestMedia.image(jpeg, width: 800, height: 600, colour: "0xFF0000")
        // Fully transparent green: the frame must show the black background, never the hidden green.
        try TestMedia.image(png, width: 333, height: 501, colour: "0x00FF00", transparent: true)
        try TestMedia.image(webp, width: 300, height: 300, colour: "0x0000FF")

        let meta =
            #"{"tracks":[{"title":"Opening \"Night\""},{"title":"Café; 50% {x}","artist":"Ünïcode"},{}],"width":\#(width),"height":\#(height),"fps":30,"album":"Test Album"}"#
        return Album(
            folder: folder,
            form: [
                ("meta", .text(meta)),
                ("audio_0", .file(mp3)), ("audio_1", .file(m4a)), ("audio_2", .file(flac)),
                ("image_0", .file(jpeg)), ("image_1", .file(png)), ("image_2", .file(webp)),
            ],
            durations: [2.0, 2.5, 1.5])
    }

    @Test func mixedAlbumRendersToContract() async throws {
        let media = try TemporaryFolder()
        let album = try Self.makeMixedAlbum(in: media.url)

        try await withTestServer { server in
            let client = server.client
            let accepted = try await client.request("POST", "/api/render", form: album.form)
            #expect(accepted.status == 202, "\(accepted.text)")
            let jobId = try #require(accepted.json["jobId"] as? String)
            #expect(UUID(uuidString: jobId) != nil)

            // The stream closes by itself after the final event.
            let raw = try await client.eventStream("/api/render/\(jobId)/log")
            let events = ParsedEvent.parse(raw)
            #expect(events.allSatisfy { $0.id != nil }, "every event carries an id")
            let ids = events.compactMap(\.id)
            #expect(ids == ids.sorted())
            #expect(Set(ids).count == ids.count)
            try Self.checkOrder(of: events, trackCount: 3)

            let done = try #require(events.last)
            #expect(done.event == "done")
            #expect(done.json["downloadUrl"] as? String == "/api/render/\(jobId)/download")
            let tracklist = try #require(done.json["tracklist"] as? String)
            #expect(tracklist.hasPrefix("0:00 Opening \"Night\"\n"))
            #expect(tracklist.contains("0:02 Ünïcode - Café; 50% {x}"))

            let status = try await client.request("GET", "/api/render/\(jobId)")
            #expect(status.status == 200)
            #expect(status.json["status"] as? String == "done")
            #expect(status.json["percent"] as? Double == 100)
            #expect(status.json["downloadUrl"] as? String == "/api/render/\(jobId)/download")
            let tracks = try #require(status.json["tracks"] as? [[String: Any]])
            #expect(tracks.count == 3)
            #expect(tracks[2]["title"] as? String == "three", "a track without a title takes its file name")
            let starts = tracks.compactMap { $0["start"] as? Double }
            #expect(starts.count == 3)
            // Durations are what decodes, which differs slightly from the generated length for lossy formats.
            let durations = tracks.compactMap { $0["duration"] as? Double }
            #expect(durations.count == 3)
            for (measured, nominal) in zip(durations, album.durations) {
                #expect(abs(measured - nominal) < 0.06, "decoded \(measured) s for a \(nominal) s tone")
            }

            let download = try await client.request("GET", "/api/render/\(jobId)/download")
            #expect(download.status == 200)
            #expect(download.headers["content-type"] == "video/mp4")
            #expect(download.headers["content-length"] == "\(download.body.count)")
            let disposition = download.headers["content-disposition"] ?? ""
            #expect(disposition.hasPrefix("attachment; filename=\"Test Album.mp4\""))

            let video = media.url.appendingPathComponent("out.mp4")
            try download.body.write(to: video)
            try Self.checkVideo(video, width: 640, height: 360, durations: durations, starts: starts)

            let partial = try await client.request(
                "GET", "/api/render/\(jobId)/download", headers: ["Range": "bytes=0-99"])
            #expect(partial.status == 206)
            #expect(partial.body.count == 100)
            #expect(partial.headers["content-range"] == "bytes 0-99/\(download.body.count)")
            let beyond = try await client.request(
                "GET", "/api/render/\(jobId)/download", headers: ["Range": "bytes=\(download.body.count + 10)-"])
            #expect(beyond.status == 416)
            #expect(beyond.headers["content-range"] == "bytes */\(download.body.count)")

            let text = try await client.request("GET", "/api/render/\(jobId)/tracklist.txt")
            #expect(text.status == 200)
            #expect(text.text == tracklist + "\n")

            // A client that comes after the end gets the whole history, then the stream closes.
            let late = ParsedEvent.parse(try await client.eventStream("/api/render/\(jobId)/log", timeout: 20))
            #expect(late == events)
            // One that reconnects with the final event's id gets 204: nothing more will come.
            let finished = try await client.request(
                "GET", "/api/render/\(jobId)/log", headers: ["Last-Event-ID": "\(done.id!)"])
            #expect(finished.status == 204)
            // One that reconnects from the middle gets only what it missed.
            let middle = events[events.count / 2]
            let resumed = ParsedEvent.parse(
                try await client.eventStream("/api/render/\(jobId)/log", lastEventId: middle.id, timeout: 20))
            #expect(resumed == Array(events[(events.count / 2 + 1)...]))

            #expect(server.storedFiles().filter { $0.contains("input") }.isEmpty, "inputs are removed after the render")
        }
    }

    @Test func coversFallBackToEmbeddedThenNeighbours() async throws {
        let media = try TemporaryFolder()
        let green = media.url.appendingPathComponent("green.png")
        let magenta = media.url.appendingPathComponent("magenta.jpg")
        try TestMedia.image(green, width: 120, height: 120, colour: "0x00FF00")
        try TestMedia.image(magenta, width: 120, height: 120, colour: "0xFF00FF")
        let embedded = media.url.appendingPathComponent("embedded.mp3")
        try TestMedia.toneWithCover(embedded, seconds: 1, frequency: 500, cover: green, title: "From Tags")
        let plain = media.url.appendingPathComponent("plain.wav")
        let last = media.url.appendingPathComponent("last.wav")
        try TestMedia.tone(plain, seconds: 1, frequency: 600)
        try TestMedia.tone(last, seconds: 1, frequency: 700)

        try await withTestServer { server in
            // Track 0 shows its embedded picture, track 1 its own image, track 2 the nearest earlier cover.
            let accepted = try await server.client.request(
                "POST", "/api/render",
                form: [
                    ("meta", .text(#"{"tracks":[{},{},{}],"width":320,"height":180}"#)),
                    ("audio_0", .file(embedded)), ("audio_1", .file(plain)), ("audio_2", .file(last)),
                    ("image_1", .file(magenta)),
                ])
            #expect(accepted.status == 202, "\(accepted.text)")
            let jobId = try #require(accepted.json["jobId"] as? String)
            _ = try await server.client.eventStream("/api/render/\(jobId)/log")
            let status = try await server.client.request("GET", "/api/render/\(jobId)").json
            let tracks = try #require(status["tracks"] as? [[String: Any]])
            #expect(tracks.first?["title"] as? String == "From Tags", "the title comes from the audio's tags")
            let starts = tracks.compactMap { $0["start"] as? Double }

            let video = media.url.appendingPathComponent("fallback.mp4")
            try await server.client.request("GET", "/api/render/\(jobId)/download").body.write(to: video)
            let expected = [(0, 255, 0), (255, 0, 255), (255, 0, 255)]
            for (index, start) in starts.enumerated() {
                let pixel = try TestMedia.centrePixel(of: video, at: start + 0.5)
                let distance =
                    abs(pixel.red - expected[index].0) + abs(pixel.green - expected[index].1)
                    + abs(pixel.blue - expected[index].2)
                #expect(distance < 60, "track \(index) shows \(pixel)")
            }
        }
    }

    @Test func hostileTitlesRenderAsTyped() async throws {
        let media = try TemporaryFolder()
        let audio = media.url.appendingPathComponent("tone.wav")
        let cover = media.url.appendingPathComponent("cover.png")
        try TestMedia.tone(audio, seconds: 1, frequency: 440)
        try TestMedia.image(cover, width: 64, height: 64, colour: "0x445566")
        let title = #"It's "50%": a\b; {c} [d] 'e' =f #g"#
        let meta = try String(
            decoding: JSONSerialization.data(withJSONObject: [
                "tracks": [["title": title], [:]], "album": "Line\nBreak \"Quoted\"", "width": 160, "height": 90,
            ]), as: UTF8.self)

        try await withTestServer { server in
            let accepted = try await server.client.request(
                "POST", "/api/render",
                form: [
                    ("meta", .text(meta)), ("audio_0", .file(audio)),
                    ("audio_1", .file(audio, filename: #"x;y=z %d {q}'s.wav"#)), ("image_0", .file(cover)),
                ])
            #expect(accepted.status == 202, "\(accepted.text)")
            let jobId = try #require(accepted.json["jobId"] as? String)
            let events = ParsedEvent.parse(try await server.client.eventStream("/api/render/\(jobId)/log"))
            #expect(events.last?.event == "done")

            let status = try await server.client.request("GET", "/api/render/\(jobId)").json
            let titles = (status["tracks"] as? [[String: Any]])?.compactMap { $0["title"] as? String }
            #expect(titles == [title, #"x;y=z %d {q}'s"#])

            let download = try await server.client.request("GET", "/api/render/\(jobId)/download")
            #expect(download.status == 200)
            let disposition = download.headers["content-disposition"] ?? ""
            #expect(disposition.hasPrefix(#"attachment; filename="Line_Break _Quoted_.mp4""#))
            let video = media.url.appendingPathComponent("titles.mp4")
            try download.body.write(to: video)
            let chapters = try TestMedia.probe(video, extra: ["-show_chapters"])["chapters"] as? [[String: Any]]
            let chapterTitles = chapters?.compactMap { ($0["tags"] as? [String: String])?["title"] }
            #expect(chapterTitles == [title, #"x;y=z %d {q}'s"#])
        }
    }

    /// Checks the contract's order: segment 0…n-1, then concat, then a percent of 100, then done; percent
    /// never decreases.
    static func checkOrder(of events: [ParsedEvent], trackCount: Int) throws {
        let progress = events.filter { $0.event == "progress" }.map(\.json)
        let steps = progress.compactMap { event -> String? in
            guard let step = event["step"] as? String else { return nil }
            return step == "segment" ? "segment \(event["index"] as? Int ?? -1)/\(event["total"] as? Int ?? -1)" : step
        }
        let expected = (0..<trackCount).map { "segment \($0)/\(trackCount)" } + ["concat"]
        #expect(steps == expected)

        let percents = progress.compactMap { $0["percent"] as? Double }
        #expect(percents.count == progress.count, "every progress event carries a percent")
        #expect(percents == percents.sorted(), "percent never decreases")
        #expect(percents.last == 100)

        let kinds = events.map(\.event)
        #expect(Set(kinds).isSubset(of: ["log", "progress", "done", "error"]))
        #expect(kinds.last == "done")
        #expect(kinds.filter { $0 == "done" || $0 == "error" }.count == 1)
        let concatIndex = events.firstIndex { $0.event == "progress" && $0.json["step"] as? String == "concat" }
        let hundredIndex = events.lastIndex { $0.event == "progress" && $0.json["percent"] as? Double == 100 }
        #expect(concatIndex != nil)
        #expect(hundredIndex != nil)
        #expect((concatIndex ?? .max) <= (hundredIndex ?? .min))
    }

    static func checkVideo(_ video: URL, width: Int, height: Int, durations: [Double], starts: [Double]) throws {
        let report = try TestMedia.probe(video, extra: ["-show_chapters"])
        let streams = try #require(report["streams"] as? [[String: Any]])
        let videoStream = try #require(streams.first { $0["codec_type"] as? String == "video" })
        let audioStream = try #require(streams.first { $0["codec_type"] as? String == "audio" })
        #expect(videoStream["codec_name"] as? String == "h264")
        #expect(videoStream["pix_fmt"] as? String == "yuv420p")
        #expect(videoStream["width"] as? Int == width)
        #expect(videoStream["height"] as? Int == height)
        #expect(videoStream["r_frame_rate"] as? String == "30/1")
        #expect(audioStream["codec_name"] as? String == "aac")

        let total = durations.reduce(0, +)
        let frame = 1.0 / 30
        let videoDuration = Double(videoStream["duration"] as? String ?? "") ?? 0
        let audioDuration = Double(audioStream["duration"] as? String ?? "") ?? 0
        #expect(abs(videoDuration - total) <= frame, "video lasts \(videoDuration) s, tracks \(total) s")
        #expect(abs(audioDuration - total) <= frame, "audio lasts \(audioDuration) s, tracks \(total) s")

        var expectedStart = 0.0
        for (index, start) in starts.enumerated() {
            #expect(abs(start - expectedStart) <= 0.001, "track \(index) starts at \(start) s")
            expectedStart += durations[index]
        }
        let chapters = try #require(report["chapters"] as? [[String: Any]])
        #expect(chapters.count == durations.count)

        // Which cover shows just after each track starts and just before the next one does.
        let colours: [(Int, Int, Int)] = [(255, 0, 0), (0, 0, 0), (0, 0, 255)]
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1] : total
            for time in [start + 1.5 * frame, end - 1.5 * frame] {
                let pixel = try TestMedia.centrePixel(of: video, at: time)
                let expected = colours[index]
                let distance =
                    abs(pixel.red - expected.0) + abs(pixel.green - expected.1) + abs(pixel.blue - expected.2)
                #expect(distance < 60, "track \(index) at \(time) s shows \(pixel), expected \(expected)")
            }
        }
    }
}
