"""Part 1: many Server-Sent Events clients following one running job."""

import os
import resource
import time

import benchcommon as common
from sseclient import FanOutClients, read_stream

LIB_DIR = os.path.dirname(os.path.abspath(__file__))


def raise_own_open_files_limit(needed):
    """Raise this process's soft RLIMIT_NOFILE to `needed` (capped at the hard limit) and return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def run(args, report):
    own_limit = raise_own_open_files_limit(args.clients + 256)
    report.line(f"fan-out: client RLIMIT_NOFILE soft limit {own_limit}")
    if own_limit < args.clients + 16:
        report.line(f"fan-out: the client can open only {own_limit} files, fewer than {args.clients} clients need")

    server = common.SleeveServer(
        args.binary,
        ["--ffmpeg", os.path.join(LIB_DIR, "delayed-ffmpeg")],
        env={"LOADBENCH_FFMPEG_DELAY": str(args.ffmpeg_delay)},
        open_files_soft_limit=args.server_nofile,
        work_dir=args.work_dir)
    results = []
    with server:
        soft, hard = common.open_files_limit(server.pid)
        report.line(f"fan-out: server pid {server.pid}, port {server.port}, 'Max open files' in /proc/{server.pid}/limits:"
                    f" soft {soft}, hard {hard} (started with soft limit {args.server_nofile or 'inherited'})")
        report.facts["server_open_files_limit"] = f"{soft} soft / {hard} hard"
        cover = common.make_png(64, 64, (200, 80, 40))
        audio = [common.make_wav(args.fanout_track_seconds, 330 + 110 * i) for i in range(args.fanout_tracks)]
        for attempt in range(1, args.repeat + 1):
            results.append(run_once(args, report, server, attempt, audio, cover))
        warnings = server.log_lines()
        if warnings:
            report.line(f"fan-out: server logged {len(warnings)} lines at warning level or above; first: {warnings[0]}")
    return results


def run_once(args, report, server, attempt, audio, cover):
    port = server.port
    meta = {"tracks": [{"title": f"Fan-out {i}"} for i in range(len(audio))], "album": "Fan-out",
            "width": args.fanout_width, "height": args.fanout_height, "fps": 30}
    load_before = common.load_average()
    rss_idle = common.vm_rss_kib(server.pid)
    status, document = common.submit_album(port, common.album_fields(meta, audio, cover))
    if status != 202:
        raise RuntimeError(f"fan-out: POST /api/render returned {status}: {document!r}")
    job_id = document["jobId"]
    path = f"/api/render/{job_id}/log"

    clients = FanOutClients(common.HOST, port, path, args.clients)
    started = time.monotonic()
    deadline = started + args.fanout_timeout
    connected_at = None
    rss_connected = None
    fds_connected = None
    sse_metric = None
    rss_peak = rss_idle
    next_rss_sample = 0.0
    while not clients.finished and time.monotonic() < deadline:
        clients.poll(0.02)
        now = time.monotonic()
        if now >= next_rss_sample:
            rss = common.vm_rss_kib(server.pid)
            if rss is not None:
                rss_peak = max(rss_peak, rss)
            next_rss_sample = now + 0.1
        if connected_at is None and clients.headers_received + len(clients.connect_errors) >= args.clients:
            connected_at = now - started
            rss_connected = common.vm_rss_kib(server.pid)
            fds_connected = common.open_file_count(server.pid)
            sse_metric = common.metric_value(port, "sleeve_sse_clients")
            job_state = common.job_status(port, job_id)["status"]
            report.line(f"fan-out run {attempt}: {clients.headers_received} clients had response headers after "
                        f"{connected_at:.2f} s (job {job_state}); server VmRSS {rss_connected} KiB, "
                        f"{fds_connected} open files, sleeve_sse_clients {sse_metric}")
            if job_state != "running":
                report.line(f"fan-out run {attempt}: the job was {job_state} before the last client had its response"
                            f" headers, so no event reached every client live")
    timed_out = not clients.finished
    clients.close_all()
    load_after = common.load_average()

    final = common.wait_for_status(port, job_id, {"done", "failed", "cancelled"}, 120)
    reference = read_stream(common.HOST, port, path, timeout=60)
    reference_ids = [event.id for event in reference.events]

    complete = 0
    problems = []
    for index, response in enumerate(clients.responses):
        ids = [event.id for event in response.events]
        if response.status == 200 and response.is_complete and not response.error and ids == reference_ids:
            complete += 1
        elif len(problems) < 5:
            missing = sorted(set(reference_ids) - set(ids))
            problems.append(f"client {index}: status {response.status}, complete {response.is_complete}, "
                            f"error {response.error!r}, {len(ids)} events, missing ids {missing[:10]}")

    # An event counts as live for every client when it first arrived after the last client's response headers,
    # because each client subscribed before its headers were sent.
    last_head = max((r.head_arrival for r in clients.responses if r.head_arrival is not None), default=None)
    arrivals = {}
    for response in clients.responses:
        for event in response.events:
            arrivals.setdefault(event.id, []).append(event.arrival)
    spreads_ms = []
    for event_id in reference_ids:
        times = arrivals.get(event_id, [])
        if last_head is not None and len(times) == args.clients and min(times) > last_head:
            spreads_ms.append((max(times) - min(times)) * 1000)

    result = {
        "attempt": attempt, "job": job_id, "job_status": final["status"], "clients": args.clients,
        "connect_errors": len(clients.connect_errors), "complete_clients": complete,
        "events": len(reference_ids), "live_events": len(spreads_ms),
        "spread_p50_ms": common.percentile(spreads_ms, 0.5), "spread_p99_ms": common.percentile(spreads_ms, 0.99),
        "spread_max_ms": max(spreads_ms, default=None),
        "rss_idle_kib": rss_idle, "rss_connected_kib": rss_connected, "rss_peak_kib": rss_peak,
        "open_files_connected": fds_connected, "sse_clients_metric": sse_metric,
        "connect_seconds": connected_at, "timed_out": timed_out,
        "kernel_timestamps": clients.kernel_timestamps, "user_timestamps": clients.user_timestamps,
        "load_before": load_before, "load_after": load_after,
    }
    report.line(
        f"fan-out run {attempt}: job {final['status']}, {complete}/{args.clients} clients got all "
        f"{len(reference_ids)} events, {len(clients.connect_errors)} connect errors; spread over "
        f"{len(spreads_ms)} live events p50 {fmt(result['spread_p50_ms'])} ms, p99 {fmt(result['spread_p99_ms'])} ms, "
        f"max {fmt(result['spread_max_ms'])} ms; VmRSS {rss_idle} KiB before, peak {rss_peak} KiB with clients; "
        f"timestamps kernel {clients.kernel_timestamps} / user {clients.user_timestamps}; "
        f"loadavg {load_before} -> {load_after}")
    for problem in problems:
        report.line(f"fan-out run {attempt}: {problem}")
    for index, error in clients.connect_errors[:5]:
        report.line(f"fan-out run {attempt}: client {index}: {error}")
    if timed_out:
        report.line(f"fan-out run {attempt}: clients still open after {args.fanout_timeout} s")
    return result


def fmt(value, digits=2):
    return "n/a" if value is None else f"{value:.{digits}f}"
