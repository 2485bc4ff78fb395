import Foundation
import SleeveCore
import SleeveTestSupport
import Testing

@Suite struct ObservabilityTests {
    @Test func readinessReportsMissingFFmpeg() async throws {
        try await withTestServer { server in
            let ready = try await server.client.request("GET", "/readyz")
            #expect(ready.status == 200)
            #expect(try await server.client.request("GET", "/healthz").status == 200)
        }
        try await withTestServer(configure: { $0.tools.ffmpeg = "/nonexistent/ffmpeg" }) { server in
            let ready = try await server.client.request("GET", "/readyz")
            #expect(ready.status == 503)
            #expect((ready.json["error"] as? String)?.contains("/nonexistent/ffmpeg") == true)
        }
    }

    @Test func metricsCountRequestsByRoute() async throws {
        try await withTestServer { server in
            let unknown = UUID().uuidString.lowercased()
            _ = try await server.client.request("GET", "/api/render/\(unknown)")
            _ = try await server.client.request("GET", "/api/render/\(unknown)/log")
            let metrics = try await server.client.request("GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = metrics.text
            #expect(
                text.contains(#"sleeve_http_requests_total{route="/api/render/{jobId}",method="GET",status="404"} 1"#))
            #expect(
                text.contains(
                    #"sleeve_http_requests_total{route="/api/render/{jobId}/log",method="GET",status="404"} 1"#))
            #expect(text.contains(#"sleeve_http_request_duration_seconds_count{route="/api/render/{jobId}"} 1"#))
            #expect(text.contains("sleeve_queue_length 0"))
            #expect(text.contains(#"sleeve_jobs{status="queued"} 0"#))
            #expect(text.contains("sleeve_sse_clients 0"))
            #expect(!text.contains(unknown), "job ids never become labels")
        }
    }
}
