import Foundation
import HTTPServer

#if canImport(Glibc)
    import Glibc
#endif

/// Receives one `POST /api/probe` body: the single file field `file`, streamed to a temporary folder, then
/// probed and described as JSON. The folder is removed whatever the outcome.
///
/// The response for audio is `{"kind":"audio","duration":…,"title":…,"artist":…,"album":…,"trackNumber":…,
/// "cover":"data:image/jpeg;base64,…"}` (absent fields are unknown; `cover` is the embedded picture, scaled
/// down), and for an image `{"kind":"image","width":…,"height":…}`.
final class ProbeReceiver: HTTPBodyReceiver {
    private let folder: URL
    private let services: SleeveServices
    private var descriptor: Int32 = -1
    private var bytes: Int64 = 0
    private var originalName: String?

    private var path: String { folder.appendingPathComponent("file").path }

    init(folder: URL, services: SleeveServices) {
        self.folder = folder
        self.services = services
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    func beginPart(name: String, filename: String?, contentType: String?) throws {
        guard name == "file" else {
            throw HTTPError(
                APIError.badRequest(
                    "POST /api/probe takes one file field named \"file\", not \"\(name)\".", field: name
                ).response)
        }
        guard descriptor < 0 else {
            throw HTTPError(APIError.badRequest("Send one file per probe request.", field: "file").response)
        }
        originalName = filename
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw HTTPError(
                APIError(status: 507, "The server could not store the file to probe.", field: "file").response)
        }
    }

    func receive(_ chunk: UnsafeRawBufferPointer) throws {
        guard descriptor >= 0, chunk.count > 0 else { return }
        bytes += Int64(chunk.count)
        guard bytes <= services.limits.maxFileBytes else {
            throw HTTPError(
                APIError(
                    status: 413,
                    "The file is larger than the limit of \(UploadReceiver.mebibytes(services.limits.maxFileBytes)) per file.",
                    field: "file"
                ).response)
        }
        var offset = 0
        while offset < chunk.count {
            let written = write(descriptor, chunk.baseAddress! + offset, chunk.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw HTTPError(
                    APIError(status: 507, "The server could not store the file to probe.", field: "file").response)
            }
            offset += written
        }
    }

    func endPart() throws {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -2
        }
    }

    func finish() -> HTTPResponse {
        defer { services.media.discardUpload(folder) }
        guard descriptor == -2, bytes > 0 else {
            return APIError.badRequest("Add a non-empty file field named \"file\".", field: "file").response
        }

        let url = URL(fileURLWithPath: path)
        do {
            let audio = try services.probe.probeAudio(at: url)
            var object: [String: Any] = ["kind": "audio", "duration": audio.duration]
            object["title"] = audio.title
            object["artist"] = audio.artist
            object["album"] = audio.album
            object["trackNumber"] = audio.trackNumber
            if audio.hasEmbeddedCover, let jpeg = try services.probe.embeddedCoverThumbnail(of: url) {
                object["cover"] = "data:image/jpeg;base64," + jpeg.base64EncodedString()
            }
            return .text(status: 200, JobJSON.string(object), contentType: "application/json; charset=utf-8")
        } catch let error as MediaProbeError where error.kind != .toolFailed {
            // Not audio: it may be an image.
        } catch {
            return APIError(status: 503, "The server could not inspect the file: \(error)", field: "file").response
        }

        do {
            let image = try services.probe.probeImage(at: url)
            return .text(
                status: 200, JobJSON.string(["kind": "image", "width": image.width, "height": image.height]),
                contentType: "application/json; charset=utf-8")
        } catch let error as MediaProbeError where error.kind == .toolFailed {
            return APIError(status: 503, "The server could not inspect the file: \(error.message)", field: "file")
                .response
        } catch {
            let name = originalName.map { "\($0) is" } ?? "The file is"
            return APIError(
                status: 415,
                "\(name) neither audio nor an image Sleeve can read. Send MP3, AAC/M4A, ALAC, FLAC, WAV, Ogg Vorbis, Opus or AIFF audio, or a JPEG, PNG or WebP image.",
                field: "file"
            ).response
        }
    }

    func cancel() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        services.media.discardUpload(folder)
    }
}
