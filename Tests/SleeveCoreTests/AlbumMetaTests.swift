import Foundation
import Testing

@testable import SleeveCore

@Suite struct AlbumMetaTests {
    private func parse(_ json: String) throws(APIError) -> AlbumMeta {
        try AlbumMeta.parse(Data(json.utf8))
    }

    private func error(_ json: String) -> APIError? {
        do {
            _ = try parse(json)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsApply() throws {
        let meta = try parse(#"{"tracks":[{"title":"Intro"},{}]}"#)
        #expect(meta.tracks.count == 2)
        #expect(meta.tracks[0].title == "Intro")
        #expect(meta.tracks[1].title == nil)
        #expect(meta.options.width == 1920)
        #expect(meta.options.height == 1080)
        #expect(meta.options.fps == 30)
        #expect(meta.album == nil)
    }

    @Test func unknownFieldsAreIgnored() throws {
        let meta = try parse(#"{"tracks":[{"title":"A","mood":"calm"}],"future":{"x":1},"album":"Live"}"#)
        #expect(meta.album == "Live")
        #expect(meta.tracks[0].title == "A")
    }

    @Test func sizesAndFpsAreRead() throws {
        let meta = try parse(#"{"tracks":[{}],"width":1280,"height":720,"fps":25}"#)
        #expect(meta.options.width == 1280)
        #expect(meta.options.height == 720)
        #expect(meta.options.fps == 25)
    }

    @Test(arguments: [
        (#"not json"#, "meta"),
        (#"[1,2]"#, "meta"),
        (#"{}"#, "meta.tracks"),
        (#"{"tracks":[]}"#, "meta.tracks"),
        (#"{"tracks":"a"}"#, "meta.tracks"),
        (#"{"tracks":[5]}"#, "meta.tracks[0]"),
        (#"{"tracks":[{"title":7}]}"#, "meta.tracks[0].title"),
        (#"{"tracks":[{"artist":true}]}"#, "meta.tracks[0].artist"),
        (#"{"tracks":[{}],"width":1921}"#, "meta.width"),
        (#"{"tracks":[{}],"width":"1920"}"#, "meta.width"),
        (#"{"tracks":[{}],"height":0}"#, "meta.height"),
        (#"{"tracks":[{}],"height":720.5}"#, "meta.height"),
        (#"{"tracks":[{}],"fps":0}"#, "meta.fps"),
        (#"{"tracks":[{}],"fps":true}"#, "meta.fps"),
        (#"{"tracks":[{}],"album":3}"#, "meta.album"),
        (#"{"tracks":[{}],"background":"red"}"#, "meta.background"),
        (##"{"tracks":[{}],"background":"#12345"}"##, "meta.background"),
        (#"{"tracks":[{}],"background":16}"#, "meta.background"),
        (#"{"tracks":[{}],"showTitles":"yes"}"#, "meta.showTitles"),
        (#"{"tracks":[{}],"showTitles":1}"#, "meta.showTitles"),
        (#"{"tracks":[{}],"normalize":"true"}"#, "meta.normalize"),
        (#"{"tracks":[{}],"audioBitrate":63}"#, "meta.audioBitrate"),
        (#"{"tracks":[{}],"audioBitrate":321}"#, "meta.audioBitrate"),
        (#"{"tracks":[{}],"audioBitrate":"192"}"#, "meta.audioBitrate"),
        (#"{"tracks":[{}],"audioBitrate":128.5}"#, "meta.audioBitrate"),
        (#"{"tracks":[{}],"videoQuality":"best"}"#, "meta.videoQuality"),
        (#"{"tracks":[{}],"videoQuality":2}"#, "meta.videoQuality"),
    ])
    func invalidMetaNamesField(json: String, field: String) {
        let failure = error(json)
        #expect(failure?.status == 400)
        #expect(failure?.field == field)
    }

    @Test func renderOptionsAreRead() throws {
        let meta = try parse(
            ##"{"tracks":[{}],"background":"#1a2","showTitles":true,"normalize":true,"audioBitrate":96,"videoQuality":"small"}"##
        )
        #expect(meta.options.background == "#11AA22")
        #expect(meta.options.showsTitles)
        #expect(meta.options.normalizesLoudness)
        #expect(meta.options.audioBitrate == 96)
        #expect(meta.options.videoQuality == .small)
    }

    @Test func renderOptionsDefault() throws {
        let meta = try parse(#"{"tracks":[{}],"background":null,"showTitles":false}"#)
        #expect(meta.options.background == "#000000")
        #expect(!meta.options.showsTitles)
        #expect(!meta.options.normalizesLoudness)
        #expect(meta.options.audioBitrate == 192)
        #expect(meta.options.videoQuality == .fast)
        #expect(try parse(#"{"tracks":[{}],"background":"Blur"}"#).options.background == "blur")
    }

    @Test func invalidOptionMessagesSuggestFix() {
        let background = error(#"{"tracks":[{}],"background":"navy"}"#)
        #expect(background?.message.contains("\"navy\"") == true)
        #expect(background?.message.contains("#RRGGBB") == true)
        #expect(background?.message.contains("blur") == true)
        let quality = error(#"{"tracks":[{}],"videoQuality":"best"}"#)
        #expect(quality?.message.contains("\"balanced\"") == true)
        let bitrate = error(#"{"tracks":[{}],"audioBitrate":500}"#)
        #expect(bitrate?.message.contains("64 to 320") == true)
        let titles = error(#"{"tracks":[{}],"showTitles":"yes"}"#)
        #expect(titles?.message.contains("true or false") == true)
    }

    @Test func tooManyTracksIsRejected() {
        let tracks = Array(repeating: "{}", count: AlbumMeta.maxTracks + 1).joined(separator: ",")
        let failure = error(#"{"tracks":[\#(tracks)]}"#)
        #expect(failure?.field == "meta.tracks")
        #expect(failure?.message.contains("101") == true)
    }

    @Test func oddWidthMessageSuggestsFix() {
        let failure = error(#"{"tracks":[{}],"width":1921}"#)
        #expect(failure?.message.contains("1920") == true)
        #expect(failure?.message.contains("1922") == true)
    }

    @Test func blankTitleCountsAsAbsent() throws {
        let meta = try parse(#"{"tracks":[{"title":"   "}]}"#)
        #expect(meta.tracks[0].title == nil)
    }
}

@Suite struct FileSlotTests {
    @Test func parsesAudioAndImage() {
        #expect(FileSlot(fieldName: "audio_0") == FileSlot(fieldName: "audio_0"))
        #expect(FileSlot(fieldName: "audio_12")?.index == 12)
        #expect(FileSlot(fieldName: "image_3")?.kind == .image)
    }

    @Test(arguments: ["audio", "audio_", "audio_01", "audio_-1", "audio_1000", "video_1", "image_x", "audio_٣"])
    func rejectsOtherNames(name: String) {
        #expect(FileSlot(fieldName: name) == nil)
    }
}
