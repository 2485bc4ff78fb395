"""Shared pieces of scripts/loadbench: the server process, /proc readers, generated media and HTTP calls."""

import http.client
import io
import json
import math
import os
import re
import resource
import struct
import subprocess
import tempfile
import threading
import time
import uuid
import wave
import zlib

HOST = "127.0.0.1"


def load_average():
    """Return the first three fields of /proc/loadavg as one string."""
    with open("/proc/loadavg") as file:
        return " ".join(file.read().split()[:3])


def vm_rss_kib(pid):
    """Return the resident set size of a process in KiB, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def open_files_limit(pid):
    """Return the (soft, hard) "Max open files" row of /proc/PID/limits as strings."""
    with open(f"/proc/{pid}/limits") as file:
        for line in file:
            if line.startswith("Max open files"):
                fields = line.split()
                return fields[3], fields[4]
    return None, None


def cpu_seconds(pid):
    """Return the user plus system CPU time a process has used, in seconds, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as file:
        # Fields after the command name, which is in parentheses and may contain spaces.
        fields = file.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_file_count(pid):
    """Return the number of file descriptors a process has open."""
    return len(os.listdir(f"/proc/{pid}/fd"))


class RssSampler:
    """Samples a process's VmRSS every `interval` seconds on a background thread until stopped."""

    def __init__(self, pid, interval=0.1):
        self.pid = pid
        self.interval = interval
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            rss = vm_rss_kib(self.pid)
            if rss is not None:
                self.samples.append((time.monotonic(), rss))
            self._stop.wait(self.interval)

    @property
    def peak_kib(self):
        return max((rss for _, rss in self.samples), default=None)


class SleeveServer:
    """One `sleeve serve` process on 127.0.0.1 with a port the system picks and its own folder under `work_dir`.

    The server's standard error goes to a log file, because the server writes one line per request and a pipe
    that is not read would block it.
    """

    def __init__(self, binary, extra_args=(), env=None, open_files_soft_limit=None, work_dir=None):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.env = dict(os.environ, **(env or {}))
        self.open_files_soft_limit = open_files_soft_limit
        self.work_dir = tempfile.mkdtemp(prefix="server-", dir=work_dir)
        self.data_dir = tempfile.mkdtemp(prefix="data-", dir=self.work_dir)
        self.log_path = os.path.join(self.work_dir, "server.log")
        self.process = None
        self.port = None

    def _limit_open_files(self):
        if self.open_files_soft_limit is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files_soft_limit, hard))

    def start(self, timeout=30):
        command = [self.binary, "serve", "--host", HOST, "--port", "0", "--data-dir", self.data_dir] + self.extra_args
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=self.log_file, env=self.env,
            preexec_fn=self._limit_open_files)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sleeve serve exited with status {self.process.returncode}. See {self.log_path}")
            with open(self.log_path, "rb") as file:
                match = re.search(rb"http\.port=(\d+)", file.read())
            if match:
                self.port = int(match.group(1))
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sleeve serve logged no http.port= line within {timeout} s. See {self.log_path}")

    @property
    def pid(self):
        return self.process.pid

    def stop(self, timeout=40):
        """Send SIGTERM to the server started here and wait, then SIGKILL it if it still runs after `timeout` s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()

    def log_lines(self, level_pattern=rb"level=(error|warning|critical)"):
        """Return the log lines at warning level or above."""
        with open(self.log_path, "rb") as file:
            return [line.decode(errors="replace").rstrip() for line in file if re.search(level_pattern, line)]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# Generated media


def make_wav(seconds, frequency=440.0, rate=22050):
    """Return a mono 16-bit WAV file containing a sine tone."""
    frames = int(seconds * rate)
    step = 2 * math.pi * frequency / rate
    # One period repeated keeps generation cheap for longer files.
    period = max(1, int(round(rate / frequency)))
    cycle = b"".join(struct.pack("<h", int(8000 * math.sin(step * i))) for i in range(period))
    samples = (cycle * (frames // period + 1))[: frames * 2]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(rate)
        output.writeframes(samples)
    return buffer.getvalue()


def make_png(width, height, rgb):
    """Return a PNG file of one solid colour."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def multipart_body(fields):
    """Encode `fields`, a list of (name, filename or None, bytes), as multipart/form-data.

    Returns (content_type, body).
    """
    boundary = "loadbench-" + uuid.uuid4().hex
    parts = []
    for name, filename, data in fields:
        disposition = f'form-data; name="{name}"'
        if filename:
            disposition += f'; filename="{filename}"'
        content_type = "application/json" if filename is None else "application/octet-stream"
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
                     .encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def album_fields(meta, audio_files, cover):
    """Return multipart fields for an album: `meta`, `audio_N` for each WAV and `image_0`."""
    fields = [("meta", None, json.dumps(meta).encode())]
    for index, audio in enumerate(audio_files):
        fields.append((f"audio_{index}", f"track{index}.wav", audio))
    fields.append(("image_0", "cover.png", cover))
    return fields


# HTTP


def request(port, method, path, body=None, headers=None, timeout=30):
    """Send one request on a new connection and return (status, headers dict, body bytes)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


def submit_album(port, fields, timeout=120):
    """POST an album to /api/render and return (status, parsed JSON or raw body)."""
    content_type, body = multipart_body(fields)
    status, _, data = request(port, "POST", "/api/render", body, {"Content-Type": content_type}, timeout)
    try:
        return status, json.loads(data)
    except ValueError:
        return status, data


def job_status(port, job_id):
    status, _, data = request(port, "GET", f"/api/render/{job_id}")
    if status != 200:
        raise RuntimeError(f"GET /api/render/{job_id} returned {status}: {data[:200]!r}")
    return json.loads(data)


def wait_for_status(port, job_id, expected_statuses, timeout):
    """Poll a job every 0.2 s until its status is in `expected_statuses`, and return the status JSON.

    Raises TimeoutError after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        document = job_status(port, job_id)
        if document["status"] in expected_statuses:
            return document
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} is still {document['status']} after {timeout} s")
        time.sleep(0.2)


def metric_value(port, name):
    """Return the sum of all samples of one metric from /metrics, or None when it is absent."""
    _, _, data = request(port, "GET", "/metrics")
    total = None
    for line in data.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total = (total or 0) + float(line.rsplit(" ", 1)[1])
    return total


def percentile(values, fraction):
    """Return the nearest-rank percentile of `values` (fraction 0.5 for p50), or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))
    return ordered[min(rank, len(ordered)) - 1]
