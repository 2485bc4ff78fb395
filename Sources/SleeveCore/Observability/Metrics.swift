import Foundation
import Synchronization

/// Counters and histograms of the server, written in the Prometheus text exposition format (version 0.0.4).
public final class Metrics: Sendable {
    /// Upper bounds, in seconds, of the request duration histogram's buckets.
    static let requestBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    /// Upper bounds, in seconds, of the render duration histogram's buckets.
    static let renderBuckets: [Double] = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600]

    private struct Histogram {
        var bucketCounts: [Int]
        var sum = 0.0
        var count = 0

        init(bucketCount: Int) {
            bucketCounts = Array(repeating: 0, count: bucketCount)
        }

        mutating func observe(_ value: Double, bounds: [Double]) {
            for (index, bound) in bounds.enumerated() where value <= bound {
                bucketCounts[index] += 1
            }
            sum += value
            count += 1
        }
    }

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var requestDurations: [String: Histogram] = [:]
        var renderDurations: [String: Histogram] = [:]
        var bytesUploaded: Int64 = 0
        var bytesDownloaded: Int64 = 0
    }

    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private let state = Mutex(State())

    public init() {}

    /// Counts a completed request under its route template, such as `/api/render/{jobId}/log`.
    public func recordRequest(path: String, method: String, status: Int, seconds: Double, bytesReceived: Int64) {
        let route = Self.route(of: path)
        state.withLock { state in
            state.requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
            state.requestDurations[route, default: Histogram(bucketCount: Self.requestBuckets.count)]
                .observe(seconds, bounds: Self.requestBuckets)
            state.bytesUploaded += bytesReceived
        }
    }

    /// Counts the bytes of a video response about to be sent.
    public func recordDownload(bytes: Int64) {
        state.withLock { $0.bytesDownloaded += bytes }
    }

    /// Records how long a render ran and how it ended (`done`, `failed` or `cancelled`).
    public func recordRender(seconds: Double, outcome: String) {
        state.withLock { state in
            state.renderDurations[outcome, default: Histogram(bucketCount: Self.renderBuckets.count)]
                .observe(seconds, bounds: Self.renderBuckets)
        }
    }

    /// Maps a request path to its route template, so that job ids do not create one series each.
    static func route(of path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 4 && parts[1] == "api" && parts[2] == "render" {
            var template = ["", "api", "render", "{jobId}"]
            if parts.count > 4 {
                template.append(
                    parts.count == 5 && ["log", "download", "tracklist.txt"].contains(parts[4]) ? parts[4] : "other")
            }
            return parts.count > 5 ? "other" : template.joined(separator: "/")
        }
        let known = ["/", "/api/render", "/api/probe", "/healthz", "/readyz", "/metrics", "/api/openapi.json"]
        if known.contains(path) { return path }
        return path.hasPrefix("/api/") ? "other" : "static"
    }

    /// Writes every metric; `gauges` adds the values read at scrape time (jobs by state, queue length, clients).
    public func exposition(jobsByStatus: [String: Int], queueLength: Int, streamClients: Int) -> String {
        let snapshot = state.withLock { $0 }
        var lines: [String] = []

        lines.append("# HELP sleeve_http_requests_total HTTP requests completed, by route, method and status.")
        lines.append("# TYPE sleeve_http_requests_total counter")
        for (key, count) in snapshot.requests.sorted(by: {
            ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status)
        }) {
            lines.append(
                "sleeve_http_requests_total{route=\"\(key.route)\",method=\"\(key.method)\",status=\"\(key.status)\"} \(count)"
            )
        }

        lines.append("# HELP sleeve_http_request_duration_seconds Time from request head to completed response.")
        lines.append("# TYPE sleeve_http_request_duration_seconds histogram")
        for (route, histogram) in snapshot.requestDurations.sorted(by: { $0.key < $1.key }) {
            lines += Self.histogramLines(
                "sleeve_http_request_duration_seconds", label: "route=\"\(route)\"", histogram: histogram,
                bounds: Self.requestBuckets)
        }

        lines.append("# HELP sleeve_render_duration_seconds Wall time of renders, by outcome.")
        lines.append("# TYPE sleeve_render_duration_seconds histogram")
        for (outcome, histogram) in snapshot.renderDurations.sorted(by: { $0.key < $1.key }) {
            lines += Self.histogramLines(
                "sleeve_render_duration_seconds", label: "outcome=\"\(outcome)\"", histogram: histogram,
                bounds: Self.renderBuckets)
        }

        lines.append("# HELP sleeve_jobs Jobs in the store, by status.")
        lines.append("# TYPE sleeve_jobs gauge")
        for status in JobStatus.allCases {
            lines.append("sleeve_jobs{status=\"\(status.rawValue)\"} \(jobsByStatus[status.rawValue] ?? 0)")
        }
        lines.append("# HELP sleeve_queue_length Jobs waiting to render.")
        lines.append("# TYPE sleeve_queue_length gauge")
        lines.append("sleeve_queue_length \(queueLength)")
        lines.append("# HELP sleeve_sse_clients Connected event stream clients.")
        lines.append("# TYPE sleeve_sse_clients gauge")
        lines.append("sleeve_sse_clients \(streamClients)")
        lines.append("# HELP sleeve_uploaded_bytes_total Request body bytes received.")
        lines.append("# TYPE sleeve_uploaded_bytes_total counter")
        lines.append("sleeve_uploaded_bytes_total \(snapshot.bytesUploaded)")
        lines.append("# HELP sleeve_downloaded_bytes_total Video bytes sent in download responses.")
        lines.append("# TYPE sleeve_downloaded_bytes_total counter")
        lines.append("sleeve_downloaded_bytes_total \(snapshot.bytesDownloaded)")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func histogramLines(_ name: String, label: String, histogram: Histogram, bounds: [Double])
        -> [String]
    {
        var lines: [String] = []
        for (index, bound) in bounds.enumerated() {
            lines.append("\(name)_bucket{\(label),le=\"\(bound)\"} \(histogram.bucketCounts[index])")
        }
        lines.append("\(name)_bucket{\(label),le=\"+Inf\"} \(histogram.count)")
        lines.append("\(name)_sum{\(label)} \(histogram.sum)")
        lines.append("\(name)_count{\(label)} \(histogram.count)")
        return lines
    }
}
