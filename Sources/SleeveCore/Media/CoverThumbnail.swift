import Foundation

extension MediaProbe {
    /// Returns the picture embedded in an audio file as a JPEG that fits in `size`×`size` pixels, or nil when the
    /// file has no picture that decodes.
    public func embeddedCoverThumbnail(of url: URL, size: Int = 320) throws -> Data? {
        let arguments =
            [
                "-nostdin", "-hide_banner", "-loglevel", "error",
            ] + Self.audioInputGuardArguments + [
                "-i", url.path, "-map", "0:v:0", "-frames:v", "1",
                "-vf", "scale=\(size):\(size):force_original_aspect_ratio=decrease", "-f", "image2pipe", "-c:v",
                "mjpeg",
                "-q:v", "4", "pipe:1",
            ]
        let result: ToolRunResult
        do {
            result = try ToolProcess.run(toolName: "ffmpeg", executable: tools.ffmpeg, arguments: arguments)
        } catch {
            throw MediaProbeError(kind: .toolFailed, message: error.message)
        }
        guard result.exit.isSuccess, !result.standardOutput.isEmpty else { return nil }
        return result.standardOutput
    }
}
