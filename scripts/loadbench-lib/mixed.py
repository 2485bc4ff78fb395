"""Part 4: uploads, event-stream followers, status polls and downloads in parallel for a bounded time."""

import json
import random
import threading
import time

import benchcommon as common
from sseclient import read_stream

# Pause between two requests of one poller, so that pollers load the server without starving the uploads.
POLL_PAUSE_SECONDS = 0.005


class Tally:
    """Counters and error messages shared by the worker threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.errors = []
        self.lost_events = 0

    def count(self, name, amount=1):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + amount

    def error(self, message):
        with self.lock:
            self.errors.append(message)


def follow_job(port, job_id, tally, timeout):
    """Check one job's stream three ways against the full history fetched after the job ended.

    A plain follower reads to the end. A reconnecting follower stops after two events and resumes with
    Last-Event-ID, so the union of its two reads must be the history without repeats.
    """
    path = f"/api/render/{job_id}/log"
    outcome = {}

    def plain():
        outcome["plain"] = read_stream(common.HOST, port, path, timeout=timeout)

    def reconnecting():
        first = read_stream(common.HOST, port, path, timeout=timeout, stop_after_events=2)
        last_id = first.events[-1].id if first.events else None
        second = read_stream(common.HOST, port, path, last_event_id=last_id, timeout=timeout)
        outcome["reconnect"] = (first, second)

    threads = [threading.Thread(target=plain), threading.Thread(target=reconnecting)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    reference = read_stream(common.HOST, port, path, timeout=30)
    reference_ids = [event.id for event in reference.events]
    if not reference.events or reference.events[-1].event not in ("done", "error"):
        tally.error(f"job {job_id}: the full history does not end with done or error")
    elif reference.events[-1].event != "done":
        tally.error(f"job {job_id}: ended with {reference.events[-1].event}: {reference.events[-1].data}")

    plain_stream = outcome["plain"]
    tally.count("sse streams")
    plain_ids = [event.id for event in plain_stream.events]
    if plain_stream.status != 200 or not plain_stream.is_complete or plain_stream.error:
        tally.error(f"job {job_id}: stream status {plain_stream.status}, complete {plain_stream.is_complete}, "
                    f"error {plain_stream.error!r}")
    if not plain_stream.events or plain_stream.events[-1].event != "done":
        tally.error(f"job {job_id}: stream did not end with done")
    if plain_ids != reference_ids:
        missing = sorted(set(reference_ids) - set(plain_ids))
        with tally.lock:
            tally.lost_events += len(missing)
        tally.error(f"job {job_id}: stream ids differ from the history; missing {missing[:10]}")

    first, second = outcome["reconnect"]
    tally.count("sse streams", 2)
    expected_second = 204 if first.events and first.events[-1].event in ("done", "error") else 200
    if second.status != expected_second:
        tally.error(f"job {job_id}: reconnect with Last-Event-ID returned {second.status}, expected {expected_second}")
    joined = [event.id for event in first.events] + [event.id for event in second.events]
    if joined != reference_ids:
        missing = sorted(set(reference_ids) - set(joined))
        with tally.lock:
            tally.lost_events += len(missing)
        tally.error(f"job {job_id}: reconnecting follower ids differ from the history; missing {missing[:10]}, "
                    f"got {len(joined)} of {len(reference_ids)}")


def check_download(port, job_id, tally):
    status, headers, body = common.request(port, "GET", f"/api/render/{job_id}/download", timeout=60)
    tally.count("downloads")
    if status != 200:
        tally.error(f"job {job_id}: download returned {status}: {body[:200]!r}")
        return
    if int(headers.get("content-length", -1)) != len(body) or body[4:8] != b"ftyp":
        tally.error(f"job {job_id}: download of {len(body)} bytes, Content-Length {headers.get('content-length')}, "
                    f"starts with {body[:8]!r}")
    status, headers, part = common.request(port, "GET", f"/api/render/{job_id}/download",
                                           headers={"Range": "bytes=0-99"})
    tally.count("downloads")
    if status != 206 or part != body[:100]:
        tally.error(f"job {job_id}: range download returned {status} with {len(part)} bytes")


def uploader(args, port, tally, deadline, job_ids, seed):
    rng = random.Random(seed)
    covers = [common.make_png(32, 32, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
              for _ in range(3)]
    while time.monotonic() < deadline:
        tracks = rng.randint(1, 3)
        audio = [common.make_wav(rng.uniform(1.0, 4.0), rng.randint(200, 900)) for _ in range(tracks)]
        width, height = rng.choice([(160, 90), (320, 180), (256, 256)])
        meta = {"tracks": [{"title": f"Mixed {i}", "artist": "Load"} for i in range(tracks)],
                "album": "Mixed", "width": width, "height": height, "fps": rng.choice([10, 15, 24])}
        try:
            status, document = common.submit_album(port, common.album_fields(meta, audio, rng.choice(covers)))
        except OSError as error:
            tally.error(f"upload failed: {error}")
            continue
        tally.count("uploads")
        if status != 202:
            tally.error(f"upload returned {status}: {document!r}")
            continue
        job_id = document["jobId"]
        with tally.lock:
            job_ids.append(job_id)
        try:
            follow_job(port, job_id, tally, timeout=args.mixed_job_timeout)
            final = common.job_status(port, job_id)
            if final["status"] != "done":
                tally.error(f"job {job_id}: status {final['status']} {final.get('error', '')}")
            else:
                tally.count("jobs done")
                check_download(port, job_id, tally)
        except (OSError, ValueError, RuntimeError) as error:
            tally.error(f"job {job_id}: {type(error).__name__}: {error}")


def poller(port, tally, deadline, job_ids, seed):
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        with tally.lock:
            job_id = rng.choice(job_ids) if job_ids else None
        try:
            if job_id is None or rng.random() < 0.05:
                status, _, body = common.request(port, "GET", "/metrics")
                tally.count("metrics polls")
                if status != 200:
                    tally.error(f"GET /metrics returned {status}")
            else:
                status, _, body = common.request(port, "GET", f"/api/render/{job_id}")
                tally.count("status polls")
                if status != 200:
                    tally.error(f"GET /api/render/{job_id} returned {status}: {body[:200]!r}")
                elif json.loads(body).get("jobId") != job_id:
                    tally.error(f"GET /api/render/{job_id} returned another job")
        except (OSError, ValueError) as error:
            tally.error(f"poll of {job_id} failed: {type(error).__name__}: {error}")
        time.sleep(POLL_PAUSE_SECONDS)


def run(args, report):
    results = []
    server = common.SleeveServer(args.binary, open_files_soft_limit=args.server_nofile, work_dir=args.work_dir)
    with server:
        report.line(f"mixed: server pid {server.pid}; {args.mixed_uploaders} uploaders, {args.mixed_pollers} pollers, "
                    f"{args.mixed_seconds} s per run")
        for attempt in range(1, args.repeat + 1):
            results.append(run_once(args, report, server, attempt))
        warnings = server.log_lines()
        report.line(f"mixed: server logged {len(warnings)} lines at warning level or above"
                    + (f"; first: {warnings[0]}" if warnings else ""))
    return results


def run_once(args, report, server, attempt):
    tally = Tally()
    job_ids = []
    load_before = common.load_average()
    started = time.monotonic()
    deadline = started + args.mixed_seconds
    threads = [threading.Thread(target=uploader, args=(args, server.port, tally, deadline, job_ids, 100 * attempt + i))
               for i in range(args.mixed_uploaders)]
    threads += [threading.Thread(target=poller, args=(server.port, tally, deadline, job_ids, 200 * attempt + i))
                for i in range(args.mixed_pollers)]
    with common.RssSampler(server.pid, 0.5) as sampler:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(args.mixed_seconds + args.mixed_job_timeout + 60)
    hung = sum(1 for thread in threads if thread.is_alive())
    if hung:
        tally.error(f"{hung} worker threads were still running at the time limit")
    seconds = time.monotonic() - started
    load_after = common.load_average()
    result = {"attempt": attempt, "seconds": seconds, "counts": dict(sorted(tally.counts.items())),
              "errors": len(tally.errors), "lost_events": tally.lost_events, "error_messages": tally.errors[:20],
              "rss_peak_kib": sampler.peak_kib, "load_before": load_before, "load_after": load_after}
    counts = ", ".join(f"{value} {name}" for name, value in result["counts"].items())
    report.line(f"mixed run {attempt}: {seconds:.0f} s, {counts}; {len(tally.errors)} errors, {tally.lost_events} "
                f"lost events; peak VmRSS {sampler.peak_kib} KiB; loadavg {load_before} -> {load_after}")
    for message in tally.errors[:10]:
        report.line(f"mixed run {attempt}: error: {message}")
    return result
