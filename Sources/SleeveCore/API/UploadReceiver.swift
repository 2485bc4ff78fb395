import Foundation
import HTTPServer

#if canImport(Glibc)
    import Glibc
#endif

/// Receives one `POST /api/render` body: streams each file part to its own file in a fresh upload folder, keeps
/// the `meta` field in memory, and on completion hands everything to ``AlbumSubmission``.
///
/// Files are stored under names the server chooses (`audio_0`, `image_3`), never the client's file names. When
/// the request fails for any reason the upload folder is removed, so a rejected request leaves nothing behind.
final class UploadReceiver: HTTPBodyReceiver {
    private let folder: URL
    private let limits: UploadLimits
    private let media: any MediaStore
    private let submit: (UploadedAlbum) throws(APIError) -> HTTPResponse

    private var upload = UploadedAlbum()
    private var current: CurrentPart?
    private var totalBytes: Int64 = 0
    /// Bytes received when free disk space was last checked.
    private var bytesAtSpaceCheck: Int64 = 0

    /// Bytes received between two checks of free disk space during an upload.
    static let spaceCheckInterval: Int64 = 32 << 20

    private struct CurrentPart {
        var name: String
        var descriptor: Int32?
        var bytes: Int64 = 0
    }

    init(
        folder: URL, limits: UploadLimits, media: any MediaStore,
        submit: @escaping (UploadedAlbum) throws(APIError) -> HTTPResponse
    ) {
        self.folder = folder
        self.limits = limits
        self.media = media
        self.submit = submit
    }

    deinit {
        closeCurrentFile()
    }

    func beginPart(name: String, filename: String?, contentType: String?) throws {
        closeCurrentFile()

        if name == "meta" {
            guard upload.meta == nil else {
                throw HTTPError(
                    APIError.badRequest("The meta field was sent twice; send it once.", field: "meta").response)
            }
            upload.meta = Data()
            current = CurrentPart(name: name)
            return
        }

        guard let slot = FileSlot(fieldName: name) else {
            throw HTTPError(
                APIError.badRequest(
                    "The form field \"\(name)\" is not one Sleeve accepts. Send meta, audio_0…audio_N and image_0…image_N.",
                    field: name
                ).response)
        }
        guard slot.index < AlbumMeta.maxTracks else {
            throw HTTPError(
                APIError.badRequest(
                    "\(name) names track \(slot.index), but an album has at most \(AlbumMeta.maxTracks) tracks, numbered 0 to \(AlbumMeta.maxTracks - 1) in field names.",
                    field: name
                ).response)
        }
        guard upload.files[name] == nil else {
            throw HTTPError(
                APIError.badRequest("The file \(name) was sent twice; send each file once.", field: name).response)
        }

        let path = folder.appendingPathComponent(name).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw HTTPError(Self.storageError(errno: errno, field: name).response)
        }
        upload.files[name] = UploadedAlbum.File(slot: slot, storedName: name, originalName: filename, size: 0)
        current = CurrentPart(name: name, descriptor: descriptor)
    }

    func receive(_ bytes: UnsafeRawBufferPointer) throws {
        guard var part = current, bytes.count > 0 else { return }

        totalBytes += Int64(bytes.count)
        part.bytes += Int64(bytes.count)
        current = part
        if totalBytes > limits.maxTotalBytes {
            throw HTTPError(
                APIError(
                    status: 413,
                    "The upload is larger than the limit of \(Self.mebibytes(limits.maxTotalBytes)) for one album. Send smaller files or ask the operator to raise --max-total-mb.",
                    field: part.name
                ).response)
        }

        guard let descriptor = part.descriptor else {
            guard part.bytes <= limits.maxMetaBytes else {
                throw HTTPError(
                    APIError(
                        status: 413,
                        "The meta field is larger than \(Self.mebibytes(limits.maxMetaBytes)); send only the album's JSON.",
                        field: "meta"
                    ).response)
            }
            upload.meta?.append(bytes.assumingMemoryBound(to: UInt8.self))
            return
        }

        guard part.bytes <= limits.maxFileBytes else {
            throw HTTPError(
                APIError(
                    status: 413,
                    "\(part.name) is larger than the limit of \(Self.mebibytes(limits.maxFileBytes)) per file. Send a smaller file or ask the operator to raise --max-file-mb.",
                    field: part.name
                ).response)
        }
        if totalBytes - bytesAtSpaceCheck >= Self.spaceCheckInterval {
            bytesAtSpaceCheck = totalBytes
            if let free = DiskSpace.available(at: folder), free < limits.minFreeBytes {
                throw HTTPError(Self.lowSpaceError(field: part.name).response)
            }
        }
        try Self.writeAll(bytes, to: descriptor, field: part.name)
        upload.files[part.name]?.size = part.bytes
    }

    func endPart() throws {
        closeCurrentFile()
        current = nil
    }

    func finish() -> HTTPResponse {
        closeCurrentFile()
        upload.folder = folder
        do {
            return try submit(upload)
        } catch {
            media.discardUpload(folder)
            return error.response
        }
    }

    func cancel() {
        closeCurrentFile()
        media.discardUpload(folder)
    }

    private func closeCurrentFile() {
        if let descriptor = current?.descriptor {
            Glibc.close(descriptor)
            current?.descriptor = nil
        }
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, field: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw HTTPError(storageError(errno: errno, field: field).response)
            }
            offset += written
        }
    }

    private static func storageError(errno code: Int32, field: String) -> APIError {
        if code == ENOSPC || code == EDQUOT {
            return APIError(
                status: 507, "The server has no room left to store \(field). Try again later or send a smaller album.",
                field: field)
        }
        return APIError(
            status: 500, "The server could not store \(field): \(String(cString: strerror(code))).", field: field)
    }

    static func lowSpaceError(field: String?) -> APIError {
        APIError(
            status: 507,
            "The server is low on disk space and cannot store this album now. Try again later or send a smaller album.",
            field: field)
    }

    static func mebibytes(_ bytes: Int64) -> String {
        let value = Double(bytes) / 1_048_576
        return value.rounded() == value ? "\(Int(value)) MiB" : String(format: "%.1f MiB", value)
    }
}

/// A file field name parsed: `audio_3` is the audio of track 3.
struct FileSlot: Sendable, Hashable {
    enum Kind: String, Sendable { case audio, image }

    var kind: Kind
    var index: Int

    /// Parses `audio_N` or `image_N` with N written without leading zeros.
    init?(fieldName: String) {
        let pieces = fieldName.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces.count == 2, let kind = Kind(rawValue: String(pieces[0])) else { return nil }
        let digits = pieces[1]
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
            digits == "0" || !digits.hasPrefix("0"), let index = Int(digits)
        else { return nil }
        self.kind = kind
        self.index = index
    }
}

/// The fields and files of an upload, before they are checked.
struct UploadedAlbum: Sendable {
    struct File: Sendable {
        var slot: FileSlot
        var storedName: String
        /// The client's file name, used only as a fallback title.
        var originalName: String?
        var size: Int64
    }

    var folder = URL(fileURLWithPath: "/")
    var meta: Data?
    var files: [String: File] = [:]
}
