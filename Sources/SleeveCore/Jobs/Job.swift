import Foundation

/// The states a render job moves through: `queued` → `running` → `done` or `failed`, or `cancelled` from
/// either of the first two.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case done
    case failed
    case cancelled

    /// Whether the job has ended and will not change state again.
    public var isFinished: Bool { self == .done || self == .failed || self == .cancelled }
}

/// The source of a track's cover, as stored with the job.
public enum StoredCover: Sendable, Codable, Equatable {
    /// An uploaded image, by its file name inside the job's input folder.
    case image(file: String)
    /// The picture embedded in an uploaded audio file, by that file's name inside the job's input folder.
    case embedded(audioFile: String)
}

/// One track of a job: what was uploaded and what the probe found.
public struct JobTrack: Sendable, Codable, Equatable {
    public var title: String
    public var artist: String?
    /// Exact decoded length in seconds.
    public var duration: Double
    /// Start within the rendered video in seconds; known once the render plan exists.
    public var start: Double?
    /// Audio file name inside the job's input folder.
    public var audioFile: String
    public var cover: StoredCover
    /// The audio's sample rate in Hz, which lets the renderer skip resampling when all tracks share one.
    public var sampleRate: Int?

    public init(
        title: String, artist: String?, duration: Double, start: Double? = nil, audioFile: String, cover: StoredCover,
        sampleRate: Int? = nil
    ) {
        self.title = title
        self.artist = artist
        self.duration = duration
        self.start = start
        self.audioFile = audioFile
        self.cover = cover
        self.sampleRate = sampleRate
    }
}

/// A render job as the job store keeps it.
public struct Job: Sendable, Equatable {
    public var id: String
    public var status: JobStatus
    /// Progress from 0 to 100; never decreases while the job runs.
    public var percent: Double
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var error: String?
    /// The album title from `meta`, used for the download's file name.
    public var album: String?
    public var options: RenderOptions
    public var tracks: [JobTrack]
    /// Whether the output was removed after the retention period.
    public var isExpired: Bool
    /// How many times a worker has started this job.
    public var attempts: Int

    public init(
        id: String, status: JobStatus = .queued, percent: Double = 0, createdAt: Date, startedAt: Date? = nil,
        finishedAt: Date? = nil, error: String? = nil, album: String?, options: RenderOptions, tracks: [JobTrack],
        isExpired: Bool = false, attempts: Int = 0
    ) {
        self.id = id
        self.status = status
        self.percent = percent
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.album = album
        self.options = options
        self.tracks = tracks
        self.isExpired = isExpired
        self.attempts = attempts
    }
}

/// One event in a job's log: what the SSE stream sends.
public struct JobEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case log
        case progress
        case done
        case error
    }

    public var kind: Kind
    /// The event's data: plain text for `log` and `error`, JSON for `progress` and `done`.
    public var data: String

    public init(kind: Kind, data: String) {
        self.kind = kind
        self.data = data
    }

    /// Whether this event ends the job's stream.
    public var isFinal: Bool { kind == .done || kind == .error }
}

/// An event with the id the store gave it. Ids grow across all jobs, so a job's ids increase but skip.
public struct StoredEvent: Sendable, Equatable {
    public var id: Int64
    public var jobId: String
    public var event: JobEvent

    public init(id: Int64, jobId: String, event: JobEvent) {
        self.id = id
        self.jobId = jobId
        self.event = event
    }
}
