import Foundation
public struct MediaTools: Sendable { public var ffmpeg: String; public var ffprobe: String; public init(ffmpeg: String = "ffmpeg", ffprobe: String = "ffprobe") { self.ffmpeg = ffmpeg; self.ffprobe = ffprobe } }
public struct AudioInfo: Sendable, Codable, Equatable { public var duration: Double; public var sampleRate: Int; public var channels: Int; public var codecName: String; public var formatName: String; public var title: String?; public var artist: String?; public var album: String?; public var trackNumber: Int?; public var hasEmbeddedCover: Bool }
public struct ImageInfo: Sendable, Codable, Equatable { public var width: Int; public var height: Int; public var codecName: String; public var hasAlpha: Bool }
public struct MediaProbeError: Error, Sendable, CustomStringConvertible { public enum Kind: Sendable { case notAudio, notImage, unreadable, toolFailed }; public var kind: Kind; public var message: String; public var description: String { message } }
public struct MediaProbe: Sendable { public init(tools: MediaTools) {}; public func probeAudio(at url: URL) throws -> AudioInfo { fatalError() }; public func probeImage(at url: URL) throws -> ImageInfo { fatalError() } }
public struct RenderOptions: Sendable, Codable, Equatable { public var width: Int = 1920; public var height: Int = 1080; public var fps: Int = 30; public var background: String = "#000000"; public var audioBitrate: Int = 192; public init() {} }
public enum CoverSource: Sendable, Equatable { case image(URL); case embedded(audio: URL) }
public struct RenderTrack: Sendable, Equatable { public var audio: URL; public var cover: CoverSource; public var title: String; public var artist: String?; public var duration: Double }
public enum RenderEvent: Sendable, Equatable { case log(String); case segment(index: Int, total: Int, percent: Double); case concat(percent: Double); case progress(percent: Double) }
public struct RenderResult: Sendable { public var duration: Double; public var trackStarts: [Double] }
public struct Renderer: Sendable { public init(tools: MediaTools) {}; public func render(tracks: [RenderTrack], options: RenderOptions, workDirectory: URL, output: URL, onEvent: @escaping @Sendable (RenderEvent) -> Void) async throws -> RenderResult { fatalError() } }
public enum Tracklist { public static func youtube(titles: [String], starts: [Double], totalDuration: Double) -> String { "" } }
