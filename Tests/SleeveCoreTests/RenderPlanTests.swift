import Foundation
import Synchronization
import Testing

@testable import SleeveCore

@Suite struct RenderPlanTests {
    let work = URL(fileURLWithPath: "/tmp/work")
    let output = URL(fileURLWithPath: "/tmp/out/album.mp4")

    func track(_ duration: Double, cover: String = "/covers/a.jpg", title: String = "Song") -> RenderTrack {
        RenderTrack(
            audio: URL(fileURLWithPath: "/music/\(title).mp3"),
            cover: .image(URL(fileURLWithPath: cover)),
            title: title,
            duration: duration
        )
    }

    @Test func frameCountsSumToRoundedTotal() throws {
        let durations = [2.351020, 61.3333, 0.05, 179.98, 3.0166]
        let plan = try RenderPlan(
            tracks: durations.map { track($0) },
            options: RenderOptions(fps: 30),
            workDirectory: work,
            output: output
        )
        let total = durations.reduce(0, +)
        #expect(plan.totalFrames == Int((total * 30).rounded()))
        #expect(plan.tracks.map(\.frameCount).reduce(0, +) == plan.totalFrames)
        #expect(abs(plan.totalDuration - total) < 1e-9)
    }

    @Test func startsAreRunningSums() throws {
        let plan = try RenderPlan(
            tracks: [track(2.5), track(3.25), track(1.0)],
            options: RenderOptions(fps: 24),
            workDirectory: work,
            output: output
        )
        #expect(plan.tracks.map(\.start) == [0, 2.5, 5.75])
        #expect(plan.tracks.map(\.firstFrame) == [0, 60, 138])
        #expect(plan.tracks.map(\.frameCount) == [60, 78, 24])
    }

    @Test func roundingDoesNotAccumulate() throws {
        // 1000 tracks of 1.01 s at 30 fps: each is 30.3 frames, so per-track rounding would lose 300 frames.
        let plan = try RenderPlan(
            tracks: Array(repeating: track(1.01), count: 1000),
            options: RenderOptions(fps: 30),
            workDirectory: work,
            output: output
        )
        #expect(plan.totalFrames == 30300)
        #expect(plan.tracks.map(\.frameCount).reduce(0, +) == 30300)
        for planned in plan.tracks {
            let expectedFirst = Int((planned.start * 30).rounded())
            #expect(planned.firstFrame == expectedFirst)
            #expect(abs(Double(planned.firstFrame) / 30 - planned.start) <= 0.5 / 30 + 1e-9)
        }
    }

    @Test func distinctCoversShareClips() throws {
        let plan = try RenderPlan(
            tracks: [track(20, cover: "/c/a.jpg"), track(5, cover: "/c/b.png"), track(3, cover: "/c/./a.jpg")],
            options: RenderOptions(),
            workDirectory: work,
            output: output
        )
        #expect(plan.clips.count == 2)
        #expect(plan.tracks.map(\.clipIndex) == [0, 1, 0])
        #expect(plan.clips[0].frameCount == RenderPlan.maximumClipFrames)
        #expect(plan.clips[1].frameCount == 150)
    }

    @Test func concatListRepeatsAndCutsClips() throws {
        let plan = try RenderPlan(
            tracks: [track(25), track(2)],
            options: RenderOptions(fps: 30),
            workDirectory: work,
            output: output
        )
        // 750 frames: two whole 300-frame clips, then 150 frames cut half a frame early.
        let expected = """
            ffconcat version 1.0
            file clip-0.mp4
            duration 10.000000
            file clip-0.mp4
            duration 10.000000
            file clip-0.mp4
            duration 5.000000
            outpoint 4.983333
            file clip-0.mp4
            duration 2.000000
            outpoint 1.983333

            """
        #expect(plan.concatList == expected)
    }

    @Test func tinyTrackGetsNoFrames() throws {
        let plan = try RenderPlan(
            tracks: [track(1, cover: "/a.jpg"), track(0.01, cover: "/b.jpg"), track(1, cover: "/a.jpg")],
            options: RenderOptions(fps: 30),
            workDirectory: work,
            output: output
        )
        #expect(plan.tracks[1].frameCount == 0)
        #expect(plan.tracks[1].clipIndex == nil)
        #expect(plan.clips.count == 1)
        #expect(plan.totalFrames == 60)
    }

    @Test func argumentsKeepUserTextOutOfGraphs() throws {
        let hostileTitle = "x[0:v]; movie=/etc/passwd,\n-i evil"
        let hostilePath = "/music/a:b,c;[d]'e.mp3"
        let tracks = [
            RenderTrack(
                audio: URL(fileURLWithPath: hostilePath),
                cover: .image(URL(fileURLWithPath: "/covers/x,y:z[0].png")),
                title: hostileTitle,
                artist: "Artist=;#",
                duration: 3
            ),
            RenderTrack(
                audio: URL(fileURLWithPath: "/music/two.flac"),
                cover: .embedded(audio: URL(fileURLWithPath: "/music/two.flac")),
                title: "Two",
                duration: 2
            ),
        ]
        let plan = try RenderPlan(tracks: tracks, options: RenderOptions(), workDirectory: work, output: output)

        let allArguments = plan.audioArguments + plan.muxArguments + plan.clips.flatMap(\.arguments)
        let graphs = zip(allArguments, allArguments.dropFirst()).filter { $0.0 == "-filter_complex" }.map(\.1)
        #expect(graphs.count == 3)
        for graph in graphs {
            #expect(!graph.contains("/covers"))
            #expect(!graph.contains("/music"))
            #expect(!graph.contains("x,y:z"))
            #expect(!graph.contains("passwd"))
            #expect(!graph.contains("'"))
        }
        #expect(!allArguments.contains { $0.contains("evil") || $0.contains("Artist") })

        // Paths appear only as whole arguments after -i.
        let audioInputs = zip(plan.audioArguments, plan.audioArguments.dropFirst()).filter { $0.0 == "-i" }.map(\.1)
        #expect(audioInputs == [hostilePath, "/music/two.flac"])
        #expect(plan.clips[0].arguments.contains("/covers/x,y:z[0].png"))
        #expect(plan.clips[1].arguments.contains("/music/two.flac"))
        #expect(plan.muxArguments.last == "/tmp/out/album.mp4")

        // The title reaches only the chapter file, escaped.
        #expect(plan.chapterMetadata.contains("title=x[0:v]\\; movie\\=/etc/passwd,\\\n-i evil\n"))
    }

    @Test func clipArgumentsHaveEncoderSettings() throws {
        let plan = try RenderPlan(
            tracks: [track(3)],
            options: RenderOptions(width: 320, height: 180, fps: 25, background: "#10a0Ff"),
            workDirectory: work,
            output: output
        )
        let arguments = plan.clips[0].arguments
        #expect(arguments.contains("libx264"))
        #expect(arguments.contains("ultrafast"))
        #expect(arguments.contains("stillimage"))
        #expect(arguments.contains("keyint=75:min-keyint=75:scenecut=0:bframes=0:stitchable=1:repeat-headers=1"))
        #expect(arguments.last == "/tmp/work/clip-0.mp4")
        let graph = try #require(arguments.firstIndex(of: "-filter_complex").map { arguments[$0 + 1] })
        #expect(graph.contains("color=c=0x10A0FF:s=320x180:r=25"))
        #expect(graph.contains("force_original_aspect_ratio=decrease"))
        #expect(graph.contains("loop=loop=74:size=1"))
    }

    @Test func audioArgumentsJoinAllTracks() throws {
        let plan = try RenderPlan(
            tracks: [track(1, title: "a"), track(1, title: "b"), track(1, title: "c")],
            options: RenderOptions(audioBitrate: 160),
            workDirectory: work,
            output: output
        )
        let arguments = plan.audioArguments
        let graph = try #require(arguments.firstIndex(of: "-filter_complex").map { arguments[$0 + 1] })
        #expect(graph.hasSuffix("[a0][a1][a2]concat=n=3:v=0:a=1[audio]"))
        #expect(graph.contains("[2:a:0]aresample=48000"))
        #expect(arguments.contains("160k"))
        #expect(arguments.last == "/tmp/work/audio.m4a")
    }

    @Test func sharedSampleRateAvoidsResampling() {
        #expect(RenderPlan.chooseSampleRate([44100, 44100]) == 44100)
        #expect(RenderPlan.chooseSampleRate([48000]) == 48000)
        #expect(RenderPlan.chooseSampleRate([44100, 48000]) == 48000)
        #expect(RenderPlan.chooseSampleRate([44100, nil]) == 48000)
        #expect(RenderPlan.chooseSampleRate([nil]) == 48000)
        #expect(RenderPlan.chooseSampleRate([22050, 22050]) == 48000)
    }

    @Test func invalidInputsThrow() {
        let cases: [([RenderTrack], RenderOptions)] = [
            ([], RenderOptions()),
            ([track(0)], RenderOptions()),
            ([track(.nan)], RenderOptions()),
            ([track(-1)], RenderOptions()),
            ([track(1)], RenderOptions(width: 321)),
            ([track(1)], RenderOptions(fps: 0)),
            ([track(1)], RenderOptions(background: "red")),
            ([track(1)], RenderOptions(background: "#12345G")),
            ([track(1)], RenderOptions(background: "#000000:s=1x1")),
            ([track(1)], RenderOptions(audioBitrate: 5)),
        ]
        for (tracks, options) in cases {
            #expect(throws: RenderError.self) {
                try RenderPlan(tracks: tracks, options: options, workDirectory: work, output: output)
            }
        }
    }

    @Test func chaptersListEveryTrack() throws {
        let plan = try RenderPlan(
            tracks: [track(1.5, title: "One"), track(2.25, title: "Two")],
            options: RenderOptions(),
            workDirectory: work,
            output: output
        )
        let expected = """
            ;FFMETADATA1
            [CHAPTER]
            TIMEBASE=1/1000
            START=0
            END=1500
            title=One
            [CHAPTER]
            TIMEBASE=1/1000
            START=1500
            END=3750
            title=Two

            """
        #expect(plan.chapterMetadata == expected)
    }
}

@Suite struct FFMetadataTests {
    @Test func escapesSyntaxCharacters() {
        #expect(FFMetadata.escape("a=b;c#d\\e\nf") == "a\\=b\\;c\\#d\\\\e\\\nf")
        #expect(FFMetadata.escape("plain title — ünïcode") == "plain title — ünïcode")
        #expect(FFMetadata.escape("cr\rlf") == "cr lf")
        #expect(FFMetadata.escape("nul\u{0}tab\tend") == "nul tab end")
    }
}

@Suite struct TracklistTests {
    @Test func formatsMinutes() {
        let text = Tracklist.youtube(titles: ["Intro", "Song"], starts: [0, 125.9], totalDuration: 300)
        #expect(text == "0:00 Intro\n2:05 Song")
    }

    @Test func formatsHoursForLongAlbums() {
        let text = Tracklist.youtube(titles: ["A", "B", "C"], starts: [0.4, 59, 3601], totalDuration: 3700)
        #expect(text == "0:00:00 A\n0:00:59 B\n1:00:01 C")
    }

    @Test func includesArtistWhenPresent() {
        let text = Tracklist.youtube(
            titles: ["Song", "Other"],
            artists: ["Band", nil],
            starts: [0, 61],
            totalDuration: 120
        )
        #expect(text == "0:00 Band - Song\n1:01 Other")
    }

    @Test func keepsTitlesOnOneLine() {
        let text = Tracklist.youtube(titles: ["Two\nLines"], starts: [0], totalDuration: 10)
        #expect(text == "0:00 Two Lines")
    }

    @Test func longMinutesBelowOneHour() {
        #expect(Tracklist.formatTimestamp(3599.9, usesHours: false) == "59:59")
    }
}

@Suite struct ProgressParserTests {
    @Test func reportsBlocks() {
        var parser = FFmpegProgressParser()
        let lines = [
            "frame=12", "out_time_us=N/A", "progress=continue",
            "frame=40", "out_time_us=1333333", "out_time=00:00:01.333333", "progress=continue",
            "out_time_us=-23220", "progress=continue",
            "out_time_us=2500000", "progress=end",
        ]
        let snapshots = lines.compactMap { parser.consume($0) }
        #expect(snapshots.count == 4)
        #expect(snapshots[0] == .init(outputTime: nil, frame: 12, isEnd: false))
        #expect(snapshots[1] == .init(outputTime: 1.333333, frame: 40, isEnd: false))
        #expect(snapshots[2].outputTime == 0)
        #expect(snapshots[3] == .init(outputTime: 2.5, frame: 40, isEnd: true))
    }

    @Test func ignoresOtherLines() {
        var parser = FFmpegProgressParser()
        #expect(parser.consume("garbage") == nil)
        #expect(parser.consume("bitrate=N/A") == nil)
    }
}

@Suite struct RenderProgressTests {
    final class EventLog: Sendable {
        let events = Mutex<[RenderEvent]>([])
    }

    @Test func eventsAreOrderedAndMonotonic() throws {
        let plan = try RenderPlan(
            tracks: [
                RenderTrack(
                    audio: URL(fileURLWithPath: "/a"), cover: .image(URL(fileURLWithPath: "/c")), title: "a",
                    duration: 2),
                RenderTrack(
                    audio: URL(fileURLWithPath: "/b"), cover: .image(URL(fileURLWithPath: "/c")), title: "b",
                    duration: 2),
                RenderTrack(
                    audio: URL(fileURLWithPath: "/c"), cover: .image(URL(fileURLWithPath: "/d")), title: "c",
                    duration: 2),
            ],
            options: RenderOptions(),
            workDirectory: URL(fileURLWithPath: "/w"),
            output: URL(fileURLWithPath: "/o.mp4")
        )
        let log = EventLog()
        let progress = RenderProgress(plan: plan) { event in log.events.withLock { $0.append(event) } }
        progress.updateAudio(outputTime: 0, totalDuration: 6)
        progress.updateClip(0, fraction: 0.5)
        progress.updateAudio(outputTime: 2.5, totalDuration: 6)
        progress.updateClip(0, fraction: 0.2)
        progress.beginConcat()
        progress.updateMux(fraction: 0.5)
        progress.finish()

        let events = log.events.withLock { $0 }
        let segments = events.compactMap { event -> Int? in
            if case .segment(let index, let total, _) = event {
                #expect(total == 3)
                return index
            }
            return nil
        }
        #expect(segments == [0, 1, 2])
        let percents = events.compactMap { event -> Double? in
            switch event {
            case .segment(_, _, let percent), .concat(let percent), .progress(let percent): percent
            case .log: nil
            }
        }
        #expect(zip(percents, percents.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(events.last == .progress(percent: 100))
        let concatIndex = try #require(events.firstIndex { if case .concat = $0 { true } else { false } })
        let lastSegmentIndex = try #require(events.lastIndex { if case .segment = $0 { true } else { false } })
        #expect(lastSegmentIndex < concatIndex)
    }
}
