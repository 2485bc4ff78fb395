import Foundation
import Testing

@testable import SleeveCore

@Suite struct RenderOptionsTests {
    let work = URL(fileURLWithPath: "/tmp/work")
    let output = URL(fileURLWithPath: "/tmp/out/album.mp4")

    func track(_ duration: Double, cover: String = "/covers/a.jpg", title: String = "Song", artist: String? = nil)
        -> RenderTrack
    {
        RenderTrack(
            audio: URL(fileURLWithPath: "/music/\(title).mp3"),
            cover: .image(URL(fileURLWithPath: cover)),
            title: title,
            artist: artist,
            duration: duration
        )
    }

    func graph(of arguments: [String]) throws -> String {
        try #require(arguments.firstIndex(of: "-filter_complex").map { arguments[$0 + 1] })
    }

    // MARK: - Options

    @Test func oldStoredOptionsDecodeWithDefaults() throws {
        let stored = ##"{"width":1280,"height":720,"fps":25,"background":"#000040","audioBitrate":128}"##
        let options = try JSONDecoder().decode(RenderOptions.self, from: Data(stored.utf8))
        #expect(options.width == 1280)
        #expect(options.background == "#000040")
        #expect(options.audioBitrate == 128)
        #expect(options.showsTitles == false)
        #expect(options.normalizesLoudness == false)
        #expect(options.videoQuality == .fast)
    }

    @Test func emptyStoredOptionsDecodeWithDefaults() throws {
        let options = try JSONDecoder().decode(RenderOptions.self, from: Data("{}".utf8))
        #expect(options == RenderOptions())
    }

    @Test func optionsRoundTripThroughJSON() throws {
        let options = RenderOptions(
            width: 640, height: 360, fps: 24, background: "blur", audioBitrate: 96, showsTitles: true,
            normalizesLoudness: true, videoQuality: .small)
        let decoded = try JSONDecoder().decode(RenderOptions.self, from: try JSONEncoder().encode(options))
        #expect(decoded == options)
    }

    @Test(arguments: [
        ("#101010", RenderBackground.colour(hex: "101010")),
        ("#abc", .colour(hex: "AABBCC")),
        ("10a0Ff", .colour(hex: "10A0FF")),
        ("blur", .blur),
        ("BLUR", .blur),
    ])
    func backgroundParses(text: String, expected: RenderBackground) {
        #expect(RenderBackground(parsing: text) == expected)
    }

    @Test(arguments: ["", "#", "#12", "#1234", "#12345G", "red", "blurry", "#000000:s=1x1", "#٣٣٣"])
    func invalidBackgroundIsRejected(text: String) {
        #expect(RenderBackground(parsing: text) == nil)
    }

    @Test func bitrateOutsideRangeThrows() {
        for bitrate in [63, 321] {
            #expect(throws: RenderError.self) {
                try RenderPlan(
                    tracks: [track(1)], options: RenderOptions(audioBitrate: bitrate), workDirectory: work,
                    output: output)
            }
        }
    }

    @Test func qualityChoosesPresetAndQuantizer() throws {
        let expected: [(VideoQuality, String, String)] = [
            (.fast, "ultrafast", "20"), (.balanced, "veryfast", "23"), (.small, "veryfast", "26"),
        ]
        for (quality, preset, quantizer) in expected {
            let plan = try RenderPlan(
                tracks: [track(2)], options: RenderOptions(videoQuality: quality), workDirectory: work, output: output)
            let arguments = plan.clips[0].arguments
            let presetIndex = try #require(arguments.firstIndex(of: "-preset"))
            let quantizerIndex = try #require(arguments.firstIndex(of: "-qp"))
            #expect(arguments[presetIndex + 1] == preset, "\(quality)")
            #expect(arguments[quantizerIndex + 1] == quantizer, "\(quality)")
            #expect(arguments.contains { $0.contains("bframes=0") }, "\(quality)")
        }
    }

    // MARK: - Background

    @Test func blurBackgroundFillsFromCover() throws {
        let plan = try RenderPlan(
            tracks: [track(2)], options: RenderOptions(width: 640, height: 360, background: "blur"),
            workDirectory: work, output: output)
        let graph = try graph(of: plan.clips[0].arguments)
        #expect(graph.contains("[0:v:0]split=2[fit][fill]"))
        #expect(graph.contains("force_original_aspect_ratio=increase"))
        #expect(graph.contains("gblur=sigma="))
        #expect(graph.contains("scale=w=640:h=360:flags=bicubic"))
        #expect(!graph.contains("color=c=0x"))
    }

    @Test func shortColourIsExpanded() throws {
        let plan = try RenderPlan(
            tracks: [track(2)], options: RenderOptions(background: "#1aF"), workDirectory: work, output: output)
        #expect(try graph(of: plan.clips[0].arguments).contains("color=c=0x11AAFF:"))
    }

    // MARK: - Titles

    @Test func titlesSplitSharedCoverIntoClips() throws {
        let tracks = [track(2, title: "One"), track(2, title: "Two"), track(2, title: "One")]
        let plain = try RenderPlan(tracks: tracks, options: RenderOptions(), workDirectory: work, output: output)
        #expect(plain.clips.count == 1)
        #expect(plain.clips[0].titleImage == nil)

        let titled = try RenderPlan(
            tracks: tracks, options: RenderOptions(showsTitles: true), workDirectory: work, output: output)
        #expect(titled.clips.count == 2)
        #expect(titled.tracks.map(\.clipIndex) == [0, 1, 0])
        #expect(titled.clips.map { $0.titleImage?.card.title } == ["One", "Two"])
        #expect(titled.clips[1].arguments.contains("/tmp/work/title-1.png"))
    }

    @Test func titleTextStaysOutOfArguments() throws {
        let hostile = #"Café 東京 שלום مرحبا 🎵 "q" \ % : ; {} [0:v] <b>&amp;</b> ' $(rm) -i x"#
        let plan = try RenderPlan(
            tracks: [track(2, title: hostile, artist: "A=;#<i>")], options: RenderOptions(showsTitles: true),
            workDirectory: work, output: output)
        let clip = plan.clips[0]
        let titleImage = try #require(clip.titleImage)
        // The test track's audio file is named after its title, so of the audio arguments only the graph counts.
        let everyArgument = clip.arguments + titleImage.pangoViewArguments + [try graph(of: plan.audioArguments)]
        for argument in everyArgument {
            #expect(!argument.contains("東京"), "\(argument)")
            #expect(!argument.contains("rm)"), "\(argument)")
            #expect(!argument.contains("A=;#"), "\(argument)")
        }
        #expect(titleImage.pangoViewArguments.suffix(2) == ["--", "/tmp/work/title-0.txt"])
        #expect(titleImage.pangoViewArguments.contains("--output=/tmp/work/title-0.png"))
        #expect(titleImage.markup.contains("東京 שלום مرحبا 🎵"))
        #expect(titleImage.markup.contains("&lt;b&gt;&amp;amp;&lt;/b&gt; &apos; $(rm)"))
        #expect(titleImage.markup.contains("&quot;q&quot; \\ % : ; {}"))
        #expect(titleImage.markup.contains(">A=;#&lt;i&gt;</span>"))
    }

    @Test func markupEscapesEverySyntaxCharacter() {
        #expect(TitleCard.escapeMarkup(#"<a href='x'>&"#) == "&lt;a href=&apos;x&apos;&gt;&amp;")
        #expect(TitleCard.escapeMarkup("plain 東京") == "plain 東京")
    }

    @Test func titleControlCharactersBecomeSpaces() {
        let card = TitleCard(title: "One\nTwo\u{0}Three\u{2028}", artist: " \t ")
        #expect(card.title == "One Two Three")
        #expect(card.artist == nil)
        #expect(!card.markup(titleSize: 10, artistSize: 8).contains("\n"))
    }

    @Test func titleWithArtistHasTwoParagraphs() {
        let markup = TitleCard(title: "Song", artist: "Band").markup(titleSize: 54, artistSize: 38)
        #expect(markup == "<span weight=\"bold\" size=\"55296\">Song</span>\n<span size=\"38912\">Band</span>")
    }

    @Test func titleLayoutScalesWithFrame() {
        let layout = TitleLayout(width: 1920, height: 1080)
        #expect(layout.titleSize == 54)
        #expect(layout.artistSize == 38)
        #expect(layout.textWidth == 1613)
        let tiny = TitleLayout(width: 16, height: 16)
        #expect(tiny.titleSize >= 4)
        #expect(tiny.textWidth >= 8)
    }

    // MARK: - Loudness

    @Test func measurementReadsLoudnormReport() throws {
        let lines = [
            "[info] Output #0, null, to 'pipe:':",
            "[Parsed_loudnorm_3 @ 0x55ad691c7440] [info] ",
            "{",
            "\t\"input_i\" : \"-33.10\",",
            "\t\"input_tp\" : \"-20.52\",",
            "\t\"input_lra\" : \"0.00\",",
            "\t\"input_thresh\" : \"-43.25\",",
            "\t\"normalization_type\" : \"dynamic\",",
            "\t\"target_offset\" : \"-0.05\"",
            "}",
        ]
        let measurement = try #require(LoudnessMeasurement(standardErrorLines: lines))
        #expect(measurement.integrated == -33.10)
        #expect(measurement.truePeak == -20.52)
        #expect(LoudnessMeasurement(standardErrorLines: Array(lines.prefix(5))) == nil)
    }

    @Test func gainStopsAtTruePeakCeiling() throws {
        let quiet = LoudnessMeasurement(integrated: -30, truePeak: -20)
        #expect(quiet.gain(target: -14, peakCeiling: -1) == 16)
        let peaky = LoudnessMeasurement(integrated: -20, truePeak: -3)
        #expect(peaky.gain(target: -14, peakCeiling: -1) == 2)
        let loud = LoudnessMeasurement(integrated: -8, truePeak: 0.5)
        #expect(loud.gain(target: -14, peakCeiling: -1) == -6)
        let silent = LoudnessMeasurement(integrated: -.infinity, truePeak: -.infinity)
        #expect(silent.gain(target: -14, peakCeiling: -1) == nil)
    }

    @Test func normalizeAddsMeasurementAndGain() throws {
        let tracks = [track(1, title: "a"), track(1, title: "b")]
        let plain = try RenderPlan(tracks: tracks, options: RenderOptions(), workDirectory: work, output: output)
        #expect(plain.loudnessMeasurementArguments == nil)
        #expect(plain.measurementWeight == 0)

        let plan = try RenderPlan(
            tracks: tracks, options: RenderOptions(normalizesLoudness: true), workDirectory: work, output: output)
        let measurement = try #require(plan.loudnessMeasurementArguments)
        let measurementGraph = try graph(of: measurement)
        #expect(
            measurementGraph.hasSuffix("concat=n=2:v=0:a=1,loudnorm=I=-14.00:TP=-1.00:LRA=11:print_format=json[audio]"))
        #expect(measurement.suffix(3) == ["-f", "null", "-"])
        #expect(measurement.contains("level+info"))
        #expect(plan.audioArguments == plain.audioArguments)

        let normalized = plan.normalizedAudioArguments(gainDecibels: 7.456)
        #expect(try graph(of: normalized).hasSuffix("concat=n=2:v=0:a=1,volume=7.46dB[audio]"))
        #expect(normalized.last == "/tmp/work/audio.m4a")
        #expect(try graph(of: plan.normalizedAudioArguments(gainDecibels: -0.05)).contains("volume=-0.05dB"))
    }

    @Test func decimalsIgnoreLocale() {
        #expect(RenderPlan.formatDecimal(-14) == "-14.00")
        #expect(RenderPlan.formatDecimal(0.5) == "0.50")
        #expect(RenderPlan.formatDecimal(-0.004) == "0.00")
        #expect(RenderPlan.formatDecimal(12.345) == "12.35")
    }

    @Test func taggedLevelsAreRecognized() {
        #expect(Renderer.taggedLevel(of: "[mp3 @ 0x55d0] [warning] Skipping 0 bytes") == "warning")
        #expect(Renderer.taggedLevel(of: "[info] Output #0") == "info")
        #expect(Renderer.taggedLevel(of: "\t\"input_i\" : \"-33.10\",") == nil)
        #expect(Renderer.taggedLevel(of: "{") == nil)
    }
}
