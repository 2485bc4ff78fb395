"""Part 2: wrk against GET /api/render/{jobId} of a finished job, with and without a render running."""

import re
import subprocess

import benchcommon as common

UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def parse_duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * UNIT_SECONDS[match.group(2)] * 1000


def run_wrk(args, url):
    """Run wrk once and return the figures it printed, plus its full output."""
    command = ["wrk", f"-t{args.wrk_threads}", f"-c{args.wrk_connections}", f"-d{args.wrk_seconds}s",
               "--timeout", "5s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, timeout=args.wrk_seconds + 60).stdout
    figures = {"requests_per_second": None, "p50_ms": None, "p99_ms": None, "requests": None,
               "non_2xx": 0, "socket_errors": None, "output": output}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        figures["requests_per_second"] = float(match.group(1))
    if match := re.search(r"^\s+50%\s+(\S+)", output, re.M):
        figures["p50_ms"] = parse_duration_ms(match.group(1))
    if match := re.search(r"^\s+99%\s+(\S+)", output, re.M):
        figures["p99_ms"] = parse_duration_ms(match.group(1))
    if match := re.search(r"(\d+) requests in", output):
        figures["requests"] = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        figures["non_2xx"] = int(match.group(1))
    if match := re.search(r"Socket errors: (.*)", output):
        figures["socket_errors"] = match.group(1).strip()
    return figures


def run(args, report):
    server = common.SleeveServer(args.binary, open_files_soft_limit=args.server_nofile, work_dir=args.work_dir)
    results = {"idle": [], "rendering": []}
    cover = common.make_png(64, 64, (30, 120, 200))
    with server:
        port = server.port
        small = {"tracks": [{"title": "Status"}], "width": 320, "height": 180, "fps": 10}
        status, document = common.submit_album(port, common.album_fields(small, [common.make_wav(2)], cover))
        if status != 202:
            raise RuntimeError(f"status: POST /api/render returned {status}: {document!r}")
        finished_id = document["jobId"]
        common.wait_for_status(port, finished_id, {"done"}, 120)
        url = f"http://{common.HOST}:{port}/api/render/{finished_id}"
        report.line(f"status: server pid {server.pid}, target {url}")

        for attempt in range(1, args.repeat + 1):
            results["idle"].append(measure(args, report, server, url, "idle", attempt, None))

        long_audio = [common.make_wav(args.render_track_seconds, 220 + 55 * i) for i in range(2)]
        long_meta = {"tracks": [{"title": "Long A"}, {"title": "Long B"}], "width": 1920, "height": 1080, "fps": 30}
        render_id = None
        for attempt in range(1, args.repeat + 1):
            if render_id is None or common.job_status(port, render_id)["status"] != "running":
                status, document = common.submit_album(port, common.album_fields(long_meta, long_audio, cover))
                if status != 202:
                    raise RuntimeError(f"status: POST /api/render returned {status}: {document!r}")
                render_id = document["jobId"]
                common.wait_for_status(port, render_id, {"running"}, 60)
            results["rendering"].append(measure(args, report, server, url, "rendering", attempt, render_id))
        if render_id is not None:
            common.request(port, "DELETE", f"/api/render/{render_id}")
    return results


def measure(args, report, server, url, label, attempt, render_id):
    load_before = common.load_average()
    cpu_before = common.cpu_seconds(server.pid)
    figures = run_wrk(args, url)
    cpu_used = common.cpu_seconds(server.pid) - cpu_before
    load_after = common.load_average()
    # The server's CPU time per request depends less on other processes than throughput does, but during a
    # render it includes the server's own render bookkeeping (ffmpeg runs in its own processes).
    figures["server_cpu_ms_per_request"] = cpu_used * 1000 / figures["requests"] if figures["requests"] else None
    render_state = None
    if render_id is not None:
        render_state = common.job_status(server.port, render_id)["status"]
    figures.update({"attempt": attempt, "load_before": load_before, "load_after": load_after,
                    "render_status_after": render_state})
    report.line(
        f"status {label} run {attempt}: {fmt(figures['requests_per_second'], 0)} requests/s, "
        f"p50 {fmt(figures['p50_ms'])} ms, p99 {fmt(figures['p99_ms'])} ms, {figures['requests']} requests, "
        f"non-2xx {figures['non_2xx']}, socket errors {figures['socket_errors'] or 'none'}, "
        f"server CPU {fmt(figures['server_cpu_ms_per_request'], 3)} ms per request"
        + (f", render job {render_state} after the run" if render_id else "")
        + f"; loadavg {load_before} -> {load_after}")
    if figures["requests_per_second"] is None:
        report.line(f"status {label} run {attempt}: wrk output could not be parsed:\n{figures['output']}")
    return figures


def fmt(value, digits=2):
    return "n/a" if value is None else f"{value:.{digits}f}"
