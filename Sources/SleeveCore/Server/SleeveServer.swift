import Dispatch
import Foundation
import HTTPServer

/// Sleeve's HTTP service: the job store, the event hub, the workers and the HTTP server, started and stopped
/// together.
public final class SleeveServer: Sendable {
    public let configuration: ServeConfiguration
    private let logger: Logger
    private let store: SQLiteJobStore
    private let media: FolderMediaStore
    private let runner: JobRunner
    private let http: HTTPServer
    private let sweeper = RepeatingTimer(label: "sleeve.retention")
    private let hub: EventHub

    /// Opens the data folder and the job store and prepares every part; ``start()`` begins serving.
    public init(configuration: ServeConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger

        try FileManager.default.createDirectory(at: configuration.dataFolder, withIntermediateDirectories: true)
        store = try SQLiteJobStore(path: configuration.dataFolder.appendingPathComponent("sleeve.sqlite").path)
        media = try FolderMediaStore(root: configuration.dataFolder)
        hub = EventHub(store: store)
        let metrics = Metrics()
        runner = JobRunner(
            store: store, hub: hub, media: media, renderer: Renderer(tools: configuration.tools),
            workers: configuration.workers,
            timeouts: JobRunner.Timeouts(
                stallSeconds: configuration.stallTimeoutSeconds, jobSeconds: configuration.jobTimeoutMinutes * 60),
            metrics: metrics, logger: logger)

        var limits = UploadLimits(
            maxFileBytes: Int64(configuration.maxFileMebibytes) << 20,
            maxTotalBytes: Int64(configuration.maxTotalMebibytes) << 20,
            maxQueued: configuration.maxQueued)
        limits.minFreeBytes = Int64(configuration.minFreeMebibytes) << 20
        limits.maxImagePixels = Int(configuration.maxImageMegapixels * 1_000_000)
        limits.maxTrackSeconds = configuration.maxTrackMinutes * 60
        limits.maxAlbumSeconds = configuration.maxAlbumMinutes * 60

        let services = SleeveServices(
            store: store, hub: hub, media: media, probe: MediaProbe(tools: configuration.tools), runner: runner,
            limits: limits, logger: logger, publicFolder: configuration.publicFolder ?? Self.sourcePublicFolder(),
            dataFolder: configuration.dataFolder, isDraining: { [runner] in runner.isDraining }, metrics: metrics,
            tools: configuration.tools)

        var httpConfiguration = HTTPServerConfiguration()
        httpConfiguration.host = configuration.host
        httpConfiguration.port = configuration.port
        httpConfiguration.threadPoolSize = 4
        let accessLogger = logger.with(["label.component": "http"])
        http = HTTPServer(configuration: httpConfiguration, handler: SleeveAPI(services: services)) { record in
            metrics.recordRequest(
                path: record.path, method: record.method, status: record.status, seconds: record.durationSeconds,
                bytesReceived: record.bytesReceived)
            accessLogger.info(
                "request",
                [
                    "http.method": record.method, "http.path": record.path, "http.status": "\(record.status)",
                    "http.duration_ms": String(format: "%.1f", record.durationSeconds * 1000),
                    "http.request_id": record.requestId,
                ])
        }

    }

    /// The port the server listens on.
    public var port: Int { http.port }

    /// Starts the workers, the retention sweep and the HTTP server.
    public func start() throws {
        let fileLimit = FileLimit.raiseToMaximum()
        media.removeAbandonedUploads()
        try runner.start()

        let retention = configuration.retentionMinutes * 60
        let interval = min(60, max(0.2, retention / 4))
        sweeper.start(interval: interval) { [self] in expireOutputs(olderThan: retention) }

        try http.start()
        // Written at any log level, because with --port 0 this line is the only way to learn the port.
        logger.log(
            max(.info, logger.level), "server started",
            [
                "http.host": configuration.host, "http.port": "\(http.port)",
                "data_dir": configuration.dataFolder.path, "workers": "\(configuration.workers)",
                "open_file_limit": "\(fileLimit)",
            ])
    }

    /// Stops taking new albums, lets running renders finish for up to `--shutdown-grace-seconds` (a render still
    /// running then is stopped and queued again for the next start), then stops serving and closes the store.
    /// The server keeps serving status requests and event streams until the end.
    public func stop() async {
        logger.info("draining", ["grace_s": "\(configuration.shutdownGraceSeconds)"])
        await runner.drain(within: configuration.shutdownGraceSeconds)
        http.stop()
        sweeper.cancel()
        store.close()
        logger.info("server stopped")
    }

    private func expireOutputs(olderThan retention: Double) {
        do {
            for var job in try store.jobsFinished(before: Date().addingTimeInterval(-retention)) {
                media.removeOutput(of: job.id)
                job.isExpired = true
                try hub.update(job)
                logger.info("job output expired", ["job.id": job.id, "job.step": "expired"])
            }
        } catch {
            logger.error("expiring old outputs failed", ["error": "\(error)"])
        }
    }

    /// Returns the `Public` folder of the source tree this binary was built from, when it still exists.
    static func sourcePublicFolder() -> URL? {
        let source = URL(fileURLWithPath: #filePath)
        let root = source.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = root.appendingPathComponent("Public", isDirectory: true)
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("index.html").path) ? folder : nil
    }
}
