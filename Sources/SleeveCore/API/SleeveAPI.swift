import Foundation
import HTTPServer

#if canImport(Glibc)
    import Glibc
#endif

/// Binds HTTP requests to jobs: the routes of Sleeve's API and web page.
public struct SleeveAPI: HTTPHandler {
    let services: SleeveServices

    public init(services: SleeveServices) {
        self.services = services
    }

    public func handle(_ request: HTTPRequest) -> HTTPAction {
        do {
            return try route(request)
        } catch let error as APIError {
            return .respond(error.response)
        } catch {
            services.logger.error("request failed", ["error": "\(error)", "http.request_id": request.id])
            return .respond(
                APIError(
                    status: 500, "The server failed to process this request. The error is logged with the request id."
                ).response)
        }
    }

    private func route(_ request: HTTPRequest) throws -> HTTPAction {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)

        switch segments {
        case ["api", "render"]:
            try requireMethod(request, "POST")
            return try startUpload(request)

        case let path where path.count >= 3 && path[0] == "api" && path[1] == "render":
            guard path.count <= 4 else { throw APIError.notFound("No such endpoint: \(request.path).") }
            let jobId = try parseJobId(path[2])
            let action = path.count == 4 ? path[3] : ""
            if action.isEmpty && request.method == "DELETE" {
                return .respond(try cancel(jobId))
            }
            try requireMethod(request, "GET", orAlso: action.isEmpty ? ["DELETE"] : [])
            switch action {
            case "": return .respond(try status(of: jobId))
            case "log": return .respond(try eventStream(of: jobId, request: request))
            case "download": return .respond(try download(jobId, request: request))
            case "tracklist.txt": return .respond(try tracklist(of: jobId))
            default: throw APIError.notFound("No such endpoint: \(request.path).")
            }

        case ["api", "openapi.json"]:
            try requireMethod(request, "GET")
            return .respond(.text(status: 200, OpenAPIDocument.json, contentType: "application/json; charset=utf-8"))

        case ["api", "probe"]:
            try requireMethod(request, "POST")
            return try startProbe(request)

        case ["healthz"]:
            try requireMethod(request, "GET")
            return .respond(.json(status: 200, ["status": "ok"]))

        case ["readyz"]:
            try requireMethod(request, "GET")
            return .respond(readiness())

        case ["metrics"]:
            try requireMethod(request, "GET")
            let text = services.metrics.exposition(
                jobsByStatus: try services.store.countByStatus(), queueLength: try services.store.queuedJobIds().count,
                streamClients: services.hub.subscriberCount)
            return .respond(.text(status: 200, text, contentType: "text/plain; version=0.0.4; charset=utf-8"))

        default:
            try requireMethod(request, "GET")
            return .respond(try StaticFiles(folder: services.publicFolder).response(for: request.path))
        }
    }

    private func requireMethod(_ request: HTTPRequest, _ method: String, orAlso others: [String] = [])
        throws(APIError)
    {
        let allowed = (method == "GET" ? ["GET", "HEAD"] : [method]) + others
        guard allowed.contains(request.method) else {
            throw APIError(
                status: 405, "\(request.method) is not allowed on \(request.path); use \(method).",
                headers: ["Allow": allowed.joined(separator: ", ")])
        }
    }

    private func parseJobId(_ text: String) throws(APIError) -> String {
        guard let uuid = UUID(uuidString: text) else {
            throw APIError.notFound("No job has the id \"\(text)\"; job ids look like 6f1c2b9e-….")
        }
        return uuid.uuidString.lowercased()
    }

    private func loadJob(_ id: String) throws -> Job {
        guard let job = try services.store.job(id: id) else {
            throw APIError.notFound("No job has the id \(id). It may never have existed on this server.")
        }
        return job
    }

    static func queueFull(limit: Int) -> APIError {
        APIError(
            status: 429, "The render queue is full (\(limit) albums waiting). Try again in a minute.",
            headers: ["Retry-After": "30"])
    }

    // MARK: - Upload

    private func startUpload(_ request: HTTPRequest) throws -> HTTPAction {
        let limits = services.limits
        if let length = request.contentLength, length > limits.maxTotalBytes {
            return .reject(
                APIError(
                    status: 413,
                    "The upload is \(UploadReceiver.mebibytes(length)), more than the limit of \(UploadReceiver.mebibytes(limits.maxTotalBytes)) for one album. Send smaller files or ask the operator to raise --max-total-mb."
                ).response)
        }

        if services.isDraining() {
            return .reject(
                APIError(
                    status: 503, "The server is shutting down and takes no new albums. Try again in a minute.",
                    headers: ["Retry-After": "60"]
                ).response)
        }
        let expected = request.contentLength ?? 0
        if let free = DiskSpace.available(at: services.dataFolder), free - expected < limits.minFreeBytes {
            return .reject(UploadReceiver.lowSpaceError(field: nil).response)
        }

        let contentType = request.headers["Content-Type"] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data") else {
            return .respond(
                APIError(
                    status: 415,
                    "POST /api/render takes multipart/form-data, not \(contentType.isEmpty ? "a body without Content-Type" : contentType). Send the meta field and files as a form, for example with curl -F."
                ).response)
        }

        if try services.store.queuedJobIds().count >= limits.maxQueued {
            return .reject(Self.queueFull(limit: limits.maxQueued).response)
        }

        let folder = try services.media.makeUploadFolder()
        let submission = AlbumSubmission(services: services)
        return .receiveBody(
            UploadReceiver(folder: folder, limits: limits, media: services.media) { upload throws(APIError) in
                try submission.submit(upload)
            })
    }

    // MARK: - Readiness

    /// Returns 200 when the job store responds and ffmpeg and ffprobe are executable, else 503 with the failures.
    private func readiness() -> HTTPResponse {
        var problems: [String] = []
        do {
            _ = try services.store.countByStatus()
        } catch {
            problems.append("the job store is not available: \(error)")
        }
        for (name, path) in [("ffmpeg", services.tools.ffmpeg), ("ffprobe", services.tools.ffprobe)] {
            if MediaTools.resolveExecutable(path).map({ access($0, X_OK) == 0 }) != true {
                problems.append("\(name) is not executable at \(path)")
            }
        }
        if services.isDraining() {
            problems.append("the server is shutting down")
        }
        guard problems.isEmpty else {
            var response = HTTPResponse.json(
                status: 503, ["status": "unavailable", "error": problems.joined(separator: "; ")])
            response.headers.add("Retry-After", "30")
            return response
        }
        return .json(status: 200, ["status": "ready"])
    }

    // MARK: - Probe

    private func startProbe(_ request: HTTPRequest) throws -> HTTPAction {
        if let length = request.contentLength, length > services.limits.maxFileBytes + (1 << 20) {
            return .reject(
                APIError(
                    status: 413,
                    "The file is \(UploadReceiver.mebibytes(length)), more than the limit of \(UploadReceiver.mebibytes(services.limits.maxFileBytes)) per file.",
                    field: "file"
                ).response)
        }
        let contentType = request.headers["Content-Type"] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data") else {
            return .respond(
                APIError(status: 415, "POST /api/probe takes multipart/form-data with one field named \"file\".")
                    .response)
        }
        return .receiveBody(ProbeReceiver(folder: try services.media.makeUploadFolder(), services: services))
    }

    // MARK: - Cancel

    private func cancel(_ jobId: String) throws -> HTTPResponse {
        switch try services.runner.cancel(jobId: jobId) {
        case .cancelled, .alreadyCancelled:
            return HTTPResponse(status: 204)
        case .alreadyFinished(let status):
            throw APIError(
                status: 409, "The job already ended (\(status.rawValue)); only queued or running jobs can be cancelled."
            )
        case .notFound:
            throw APIError.notFound("No job has the id \(jobId). It may never have existed on this server.")
        }
    }

    // MARK: - Status and tracklist

    private func status(of jobId: String) throws -> HTTPResponse {
        let job = try loadJob(jobId)
        var position: Int?
        if job.status == .queued, let index = try services.store.queuedJobIds().firstIndex(of: jobId) {
            position = index + 1
        }
        var response = HTTPResponse.text(
            status: 200, JobJSON.string(JobJSON.status(of: job, queuePosition: position)),
            contentType: "application/json; charset=utf-8")
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    private func tracklist(of jobId: String) throws -> HTTPResponse {
        let job = try loadJob(jobId)
        guard job.status == .done else {
            throw APIError(
                status: 409, "The tracklist is ready when the job is done; it is \(job.status.rawValue).")
        }
        return .text(status: 200, JobJSON.tracklist(of: job) + "\n")
    }

    // MARK: - Events

    private func eventStream(of jobId: String, request: HTTPRequest) throws -> HTTPResponse {
        _ = try loadJob(jobId)
        let lastEventId =
            Int64(request.headers["Last-Event-ID"]?.trimmingCharacters(in: .whitespaces) ?? "")
            ?? request.query["lastEventId"].flatMap { Int64($0) } ?? 0

        if lastEventId > 0, let final = try services.hub.finalEvent(of: jobId), lastEventId >= final.id {
            // An EventSource stops reconnecting when it receives 204, because the stream is over.
            return HTTPResponse(status: 204)
        }

        let stream = try services.hub.subscribe(jobId: jobId, after: lastEventId)
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/event-stream; charset=utf-8")
        headers.add("Cache-Control", "no-cache")
        headers.add("X-Accel-Buffering", "no")
        return HTTPResponse(status: 200, headers: headers, body: .stream(stream))
    }

    // MARK: - Download

    private func download(_ jobId: String, request: HTTPRequest) throws -> HTTPResponse {
        let job = try loadJob(jobId)
        guard job.status == .done else {
            throw APIError(
                status: 409,
                "The video is not ready: the job is \(job.status.rawValue). Follow /api/render/\(jobId)/log until the done event."
            )
        }
        guard !job.isExpired else {
            throw APIError(status: 410, "The video was removed after the retention period. Render the album again.")
        }

        let path = services.media.outputFile(of: jobId).path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw APIError(status: 410, "The video is no longer stored on this server. Render the album again.")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            close(descriptor)
            throw APIError(status: 500, "The video could not be read.")
        }
        let length = Int64(info.st_size)

        var headers = HTTPHeaders()
        headers.add("Content-Type", "video/mp4")
        headers.add("Content-Disposition", ContentDisposition.attachment(filename: Self.downloadName(of: job)))
        headers.add("Accept-Ranges", "bytes")
        let etag = "\"\(info.st_mtim.tv_sec)-\(length)\""
        headers.add("ETag", etag)

        let ifRange = request.headers["If-Range"]
        let rangeHeader = (ifRange == nil || ifRange == etag) ? request.headers["Range"] : nil
        switch HTTPByteRange.parse(rangeHeader, length: length) {
        case .none:
            services.metrics.recordDownload(bytes: length)
            return HTTPResponse(
                status: 200, headers: headers, body: .file(descriptor: descriptor, offset: 0, length: length))
        case .unsatisfiable:
            close(descriptor)
            var error = APIError(status: 416, "The requested range is outside the video's \(length) bytes.").response
            error.headers.add("Content-Range", "bytes */\(length)")
            return error
        case .range(let offset, let count):
            headers.add("Content-Range", "bytes \(offset)-\(offset + count - 1)/\(length)")
            services.metrics.recordDownload(bytes: count)
            return HTTPResponse(
                status: 206, headers: headers, body: .file(descriptor: descriptor, offset: offset, length: count))
        }
    }

    static func downloadName(of job: Job) -> String {
        let base = job.album ?? job.tracks.first?.title ?? "album"
        return base + ".mp4"
    }
}
