import Foundation

/// Storage of a job's files: uploads while they arrive, the inputs of accepted jobs, render intermediates and
/// the output video.
///
/// The embedded implementation is ``FolderMediaStore``; the protocol is kept small so that shared storage can
/// take its place when workers run on several machines.
public protocol MediaStore: Sendable {
    /// Creates an empty folder for one upload in progress.
    func makeUploadFolder() throws -> URL

    /// Moves a finished upload's files to be the inputs of job `jobId`.
    func adoptUpload(_ folder: URL, as jobId: String) throws

    /// Removes an upload folder that did not become a job.
    func discardUpload(_ folder: URL)

    /// Returns the folder with the input files of job `jobId`.
    func inputFolder(of jobId: String) -> URL

    /// Creates an empty folder for a render's intermediate files and returns it.
    func makeWorkFolder(for jobId: String) throws -> URL

    /// Returns the path of the rendered video of job `jobId`.
    func outputFile(of jobId: String) -> URL

    /// Removes a job's inputs and intermediates, keeping the output.
    func removeInputs(of jobId: String)

    /// Removes a job's output.
    func removeOutput(of jobId: String)

    /// Removes uploads left by a process that stopped while receiving them.
    func removeAbandonedUploads()
}

/// A ``MediaStore`` in a folder: `uploads/<random>/` while a request arrives, then `jobs/<id>/input/`,
/// `jobs/<id>/work/` and `jobs/<id>/output.mp4`.
public struct FolderMediaStore: MediaStore {
    public let root: URL

    private var uploads: URL { root.appendingPathComponent("uploads", isDirectory: true) }
    private var jobs: URL { root.appendingPathComponent("jobs", isDirectory: true) }

    /// Creates the store's folders under `root` when they are missing.
    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: jobs, withIntermediateDirectories: true)
    }

    public func makeUploadFolder() throws -> URL {
        let folder = uploads.appendingPathComponent(UUID().uuidString.lowercased(), isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        return folder
    }

    public func adoptUpload(_ folder: URL, as jobId: String) throws {
        let jobFolder = jobs.appendingPathComponent(jobId, isDirectory: true)
        try FileManager.default.createDirectory(at: jobFolder, withIntermediateDirectories: true)
        // A rename within one file system: the files never exist half-moved.
        try FileManager.default.moveItem(at: folder, to: inputFolder(of: jobId))
    }

    public func discardUpload(_ folder: URL) {
        try? FileManager.default.removeItem(at: folder)
    }

    public func inputFolder(of jobId: String) -> URL {
        jobFolder(jobId).appendingPathComponent("input", isDirectory: true)
    }

    public func makeWorkFolder(for jobId: String) throws -> URL {
        let folder = jobFolder(jobId).appendingPathComponent("work", isDirectory: true)
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    public func outputFile(of jobId: String) -> URL {
        jobFolder(jobId).appendingPathComponent("output.mp4")
    }

    public func removeInputs(of jobId: String) {
        try? FileManager.default.removeItem(at: inputFolder(of: jobId))
        try? FileManager.default.removeItem(at: jobFolder(jobId).appendingPathComponent("work", isDirectory: true))
    }

    public func removeOutput(of jobId: String) {
        try? FileManager.default.removeItem(at: outputFile(of: jobId))
    }

    public func removeAbandonedUploads() {
        let leftovers =
            (try? FileManager.default.contentsOfDirectory(at: uploads, includingPropertiesForKeys: nil)) ?? []
        for folder in leftovers {
            try? FileManager.default.removeItem(at: folder)
        }
    }

    private func jobFolder(_ jobId: String) -> URL {
        jobs.appendingPathComponent(jobId, isDirectory: true)
    }
}
