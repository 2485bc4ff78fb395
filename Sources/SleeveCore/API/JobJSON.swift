import Foundation

/// The JSON documents the API sends about jobs.
public enum JobJSON {
    /// Serialises a JSON object with sorted keys; `[String: Any]` keeps optional fields simply absent.
    public static func string(_ object: [String: Any]) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    public static func downloadPath(of jobId: String) -> String { "/api/render/\(jobId)/download" }

    /// Returns the data of the `done` event.
    static func doneEvent(for job: Job) -> String {
        string(["downloadUrl": downloadPath(of: job.id), "tracklist": tracklist(of: job)])
    }

    /// Returns the tracklist in YouTube's description format, one `0:00 Title` line per track.
    public static func tracklist(of job: Job) -> String {
        Tracklist.youtube(
            titles: job.tracks.map(\.title), artists: job.tracks.map(\.artist),
            starts: job.tracks.map { $0.start ?? 0 },
            totalDuration: job.tracks.reduce(0) { $0 + $1.duration })
    }

    /// The job's state, as `GET /api/render/{jobId}` returns it.
    static func status(of job: Job, queuePosition: Int?) -> [String: Any] {
        var object: [String: Any] = [
            "jobId": job.id,
            "status": job.status.rawValue,
            "percent": job.percent,
            "createdAt": ISO8601.string(from: job.createdAt),
            "expired": job.isExpired,
            "attempts": job.attempts,
            "width": job.options.width,
            "height": job.options.height,
            "fps": job.options.fps,
            "background": job.options.background,
            "audioBitrate": job.options.audioBitrate,
            "showTitles": job.options.showsTitles,
            "normalize": job.options.normalizesLoudness,
            "videoQuality": job.options.videoQuality.rawValue,
            "duration": job.tracks.reduce(0) { $0 + $1.duration },
            "tracks": job.tracks.map { track -> [String: Any] in
                var entry: [String: Any] = ["title": track.title, "duration": track.duration]
                entry["artist"] = track.artist
                entry["start"] = track.start
                return entry
            },
        ]
        object["album"] = job.album
        object["queuePosition"] = queuePosition
        object["error"] = job.error
        object["startedAt"] = job.startedAt.map { ISO8601.string(from: $0) }
        object["finishedAt"] = job.finishedAt.map { ISO8601.string(from: $0) }
        if job.status == .done {
            object["tracklist"] = tracklist(of: job)
            if !job.isExpired {
                object["downloadUrl"] = downloadPath(of: job.id)
            }
        }
        return object
    }
}
