import Foundation
import HTTPServer

/// Checks an uploaded album and, when it is sound, stores it as a queued job.
///
/// The checks run in three steps. Structure comes first: the `meta` field, one audio file per track, and no file
/// for a track that does not exist. Content comes next: ffprobe must decode each audio file as audio and each
/// image as an image, whatever their names or declared types. The queue's capacity comes last.
struct AlbumSubmission: Sendable {
    let services: SleeveServices

    func submit(_ upload: UploadedAlbum) throws(APIError) -> HTTPResponse {
        guard let metaData = upload.meta else {
            throw APIError.badRequest(
                "The meta field is missing. Add a form field named meta with JSON such as {\"tracks\":[{\"title\":\"Intro\"}]}.",
                field: "meta")
        }
        let meta = try AlbumMeta.parse(metaData)
        try checkFiles(upload, trackCount: meta.tracks.count)

        let probed = try probe(upload, trackCount: meta.tracks.count)
        let tracks = try makeTracks(meta: meta, upload: upload, probed: probed)

        let job = Job(
            id: UUID().uuidString.lowercased(), createdAt: Date(), album: meta.album, options: meta.options,
            tracks: tracks)
        return try enqueue(job, folder: upload.folder)
    }

    private func checkFiles(_ upload: UploadedAlbum, trackCount: Int) throws(APIError) {
        for file in upload.files.values.sorted(by: { $0.storedName < $1.storedName })
        where file.slot.index >= trackCount {
            throw APIError.badRequest(
                "\(file.storedName) belongs to track \(file.slot.index + 1), but meta.tracks lists only \(trackCount) track\(trackCount == 1 ? "" : "s"). Remove the file or add the track.",
                field: file.storedName)
        }
        for index in 0..<trackCount where upload.files["audio_\(index)"] == nil {
            throw APIError.badRequest(
                "Track \(index + 1) (meta.tracks[\(index)]) has no audio file. Add a file field named audio_\(index).",
                field: "audio_\(index)")
        }
        for file in upload.files.values.sorted(by: { $0.storedName < $1.storedName }) where file.size == 0 {
            throw APIError.badRequest(
                "\(file.storedName) is empty (0 bytes). Send the file again.", field: file.storedName)
        }
    }

    private struct Probed: Sendable {
        var audio: [Int: AudioInfo] = [:]
        var images: [Int: ImageInfo] = [:]
    }

    /// Probes every file, two at a time, and throws the first failure in field order.
    private func probe(_ upload: UploadedAlbum, trackCount: Int) throws(APIError) -> Probed {
        let files = upload.files.values.sorted {
            ($0.slot.index, $0.slot.kind.rawValue) < ($1.slot.index, $1.slot.kind.rawValue)
        }
        let results = ProbeResults(count: files.count)
        let probe = services.probe
        let folder = upload.folder

        DispatchQueue.concurrentPerform(iterations: min(2, files.count)) { lane in
            for index in stride(from: lane, to: files.count, by: 2) {
                let file = files[index]
                let url = folder.appendingPathComponent(file.storedName)
                switch file.slot.kind {
                case .audio: results.set(index, Result { .audio(try probe.probeAudio(at: url)) })
                case .image: results.set(index, Result { .image(try probe.probeImage(at: url)) })
                }
            }
        }

        var probed = Probed()
        for (index, file) in files.enumerated() {
            switch results.get(index) {
            case .success(.audio(let info)):
                guard info.duration <= services.limits.maxTrackSeconds else {
                    throw APIError.badRequest(
                        "\(file.storedName)\(file.originalName.map { " (\($0))" } ?? "") lasts \(Self.clock(info.duration)), longer than the limit of \(Self.clock(services.limits.maxTrackSeconds)) per track. Split it or ask the operator to raise --max-track-minutes.",
                        field: file.storedName)
                }
                probed.audio[file.slot.index] = info
            case .success(.image(let info)):
                guard info.width * info.height <= services.limits.maxImagePixels else {
                    throw APIError.badRequest(
                        "\(file.storedName) is \(info.width)×\(info.height) pixels, more than the limit of \(services.limits.maxImagePixels) pixels. Scale the image down, for example to 3000×3000, or ask the operator to raise --max-image-megapixels.",
                        field: file.storedName)
                }
                probed.images[file.slot.index] = info
            case .failure(let error):
                throw Self.apiError(for: error, file: file)
            case nil:
                throw APIError(status: 500, "Probing \(file.storedName) did not finish.", field: file.storedName)
            }
        }
        let total = probed.audio.values.reduce(0) { $0 + $1.duration }
        guard total <= services.limits.maxAlbumSeconds else {
            throw APIError.badRequest(
                "The album lasts \(Self.clock(total)), longer than the limit of \(Self.clock(services.limits.maxAlbumSeconds)). Split it into several videos or ask the operator to raise --max-album-minutes.",
                field: "meta.tracks")
        }
        return probed
    }

    /// Formats seconds as h:mm:ss or m:ss.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    private static func apiError(for error: any Error, file: UploadedAlbum.File) -> APIError {
        let name = file.originalName.map { " (\($0))" } ?? ""
        guard let probeError = error as? MediaProbeError else {
            return APIError(status: 500, "Probing \(file.storedName) failed: \(error)", field: file.storedName)
        }
        let reason = Self.reason(of: probeError.message)
        switch probeError.kind {
        case .notAudio:
            return APIError(
                status: 415,
                "\(file.storedName)\(name) is not an audio file Sleeve can read (\(reason)). Send MP3, AAC/M4A, ALAC, FLAC, WAV, Ogg Vorbis, Opus or AIFF.",
                field: file.storedName)
        case .notImage:
            return APIError(
                status: 415,
                "\(file.storedName)\(name) is not an image Sleeve can read (\(reason)). Send JPEG, PNG or WebP.",
                field: file.storedName)
        case .unreadable:
            return APIError(
                status: 415,
                "\(file.storedName)\(name) could not be read: \(probeError.message) Check that the file is complete.",
                field: file.storedName)
        case .toolFailed:
            return APIError(
                status: 503, "The server could not inspect \(file.storedName): \(probeError.message)",
                field: file.storedName)
        }
    }

    /// Returns the part of a probe message after "The file is not audio: ", without its final period, so that
    /// it reads as the reason inside a longer sentence.
    static func reason(of message: String) -> String {
        var reason = message
        if message.hasPrefix("The file is not "), let colon = message.range(of: ": ") {
            reason = String(message[colon.upperBound...])
        }
        if reason.hasSuffix(".") { reason.removeLast() }
        return reason.prefix(1).lowercased() + reason.dropFirst()
    }

    private func makeTracks(meta: AlbumMeta, upload: UploadedAlbum, probed: Probed) throws(APIError) -> [JobTrack] {
        let count = meta.tracks.count
        let ownCovers: [StoredCover?] = (0..<count).map { index in
            if probed.images[index] != nil { return .image(file: "image_\(index)") }
            if probed.audio[index]?.hasEmbeddedCover == true { return .embedded(audioFile: "audio_\(index)") }
            return nil
        }
        guard let covers = CoverFallback.resolve(ownCovers) else {
            throw APIError.badRequest(
                "The album has no cover: no image_N file was sent and no audio file has an embedded picture. Add image_0 to use one cover for every track.",
                field: "image_0")
        }

        return (0..<count).map { index in
            let info = probed.audio[index]!
            let file = upload.files["audio_\(index)"]!
            let fileTitle = file.originalName.map { ($0 as NSString).deletingPathExtension }.flatMap {
                $0.isEmpty ? nil : $0
            }
            return JobTrack(
                title: meta.tracks[index].title ?? nonBlank(info.title) ?? fileTitle ?? "Track \(index + 1)",
                artist: meta.tracks[index].artist ?? nonBlank(info.artist),
                duration: info.duration,
                audioFile: file.storedName,
                cover: covers[index],
                sampleRate: info.sampleRate)
        }
    }

    private func nonBlank(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    private func enqueue(_ job: Job, folder: URL) throws(APIError) -> HTTPResponse {
        let queued: [String]
        do {
            queued = try services.store.queuedJobIds()
        } catch {
            services.logger.error("reading the queue failed", ["error": "\(error)"])
            throw APIError(status: 503, "The job store is not available. Try again in a minute.")
        }
        guard queued.count < services.limits.maxQueued else {
            throw SleeveAPI.queueFull(limit: services.limits.maxQueued)
        }

        do {
            try services.media.adoptUpload(folder, as: job.id)
        } catch {
            services.logger.error("storing an upload failed", ["error": "\(error)", "job.id": job.id])
            throw APIError(status: 507, "The server could not store the album's files. Try again later.")
        }

        let position = queued.count + 1
        do {
            try services.hub.insert(job, events: [JobEvent(kind: .log, data: "Queued at position \(position).")])
        } catch {
            services.media.removeInputs(of: job.id)
            services.logger.error("storing a job failed", ["error": "\(error)", "job.id": job.id])
            throw APIError(status: 503, "The job could not be saved. Try again in a minute.")
        }

        services.logger.info(
            "job queued", ["job.id": job.id, "job.step": "queued", "job.tracks": "\(job.tracks.count)"])
        services.runner.notifyQueued()

        var response = HTTPResponse.json(
            status: 202,
            [
                "jobId": job.id,
                "statusUrl": "/api/render/\(job.id)",
                "logUrl": "/api/render/\(job.id)/log",
            ])
        response.headers.add("Location", "/api/render/\(job.id)")
        return response
    }
}

/// Results of concurrent probes, one slot per file.
private final class ProbeResults: @unchecked Sendable {
    enum Info { case audio(AudioInfo), image(ImageInfo) }

    private let lock = NSLock()
    private var results: [Result<Info, any Error>?]

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ result: Result<Info, any Error>) {
        lock.withLock { results[index] = result }
    }

    func get(_ index: Int) -> Result<Info, any Error>? {
        lock.withLock { results[index] }
    }
}
