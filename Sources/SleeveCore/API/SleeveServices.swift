import Foundation

/// The parts the HTTP routes work with, created once by the server.
public struct SleeveServices: Sendable {
    public var store: any JobStore
    public var hub: EventHub
    public var media: any MediaStore
    public var probe: MediaProbe
    public var runner: JobRunner
    public var limits: UploadLimits
    public var logger: Logger
    /// The folder with the web page's files, or nil to serve no page.
    public var publicFolder: URL?
    /// The data folder, whose free space uploads must not exhaust.
    public var dataFolder: URL
    /// Whether the server is shutting down and takes no new jobs.
    public var isDraining: @Sendable () -> Bool
    public var metrics: Metrics
    public var tools: MediaTools

    public init(
        store: any JobStore, hub: EventHub, media: any MediaStore, probe: MediaProbe, runner: JobRunner,
        limits: UploadLimits, logger: Logger, publicFolder: URL?, dataFolder: URL,
        isDraining: @escaping @Sendable () -> Bool = { false }, metrics: Metrics = Metrics(),
        tools: MediaTools = MediaTools()
    ) {
        self.store = store
        self.hub = hub
        self.media = media
        self.probe = probe
        self.runner = runner
        self.limits = limits
        self.logger = logger
        self.publicFolder = publicFolder
        self.dataFolder = dataFolder
        self.isDraining = isDraining
        self.metrics = metrics
        self.tools = tools
    }
}
