#!/usr/bin/env python3
"""Fuzz Sleeve's HTTP API against its own OpenAPI document with schemathesis.

Starts `sleeve serve` on 127.0.0.1 with a free port and a temporary data folder. Renders one small album, so
that the job routes also see a real, finished job. Then runs `schemathesis run` against `/api/openapi.json`
with a fixed number of examples per operation and a total time limit. The server is stopped by its PID
whatever happens. Exits 0 only when every operation passed, and prints a closing line
`fuzz: N passed, N failed` that counts API operations.

Environment:
  SLEEVE_BIN              the sleeve binary (default .build/debug/sleeve)
  SCHEMATHESIS            the schemathesis command (default: next to this Python, else on PATH)
  SLEEVE_FUZZ_EXAMPLES    examples per operation and phase (default 40)
  SLEEVE_FUZZ_SECONDS     time limit for schemathesis in seconds (default 150)
  SLEEVE_FUZZ_SEED        the Hypothesis seed (default 20261204), so that a failure can be replayed
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ElementTree
from pathlib import Path

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
REQUEST_TIMEOUT_SECONDS = 10
STARTUP_TIMEOUT_SECONDS = 30
RENDER_TIMEOUT_SECONDS = 180


def schemathesis_command():
    configured = os.environ.get("SCHEMATHESIS")
    if configured:
        return configured
    beside_python = Path(sys.executable).parent / "schemathesis"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("schemathesis")
    if not found:
        sys.exit("schemathesis is not installed: run `pip install schemathesis` or set SCHEMATHESIS.")
    return found


def start_server(binary, data_dir, log_path):
    """Start the server and return the process and the port that it logs as `http.port=N`."""
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(data_dir)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for field in Path(log_path).read_text(errors="replace").split():
            if field.startswith("http.port="):
                return process, int(field.split("=", 1)[1])
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop_server(process)
    sys.exit(f"sleeve did not log http.port within {STARTUP_TIMEOUT_SECONDS} s. Its log is {log_path}.")


def stop_server(process):
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def make_media(folder):
    """Write a 1 s sine tone and a 64×64 PNG with ffmpeg and return their paths."""
    audio = folder / "tone.wav"
    image = folder / "cover.png"
    quiet = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run(quiet + ["-f", "lavfi", "-i", "sine=frequency=440:duration=1", str(audio)], check=True)
    subprocess.run(quiet + ["-f", "lavfi", "-i", "color=c=teal:s=64x64", "-frames:v", "1", str(image)], check=True)
    return audio, image


def multipart_body(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, path in files.items():
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{path.name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n")
        parts.append(head.encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def render_album(base_url, folder):
    """Render a one-track album and return its job id once the job is done."""
    audio, image = make_media(folder)
    meta = json.dumps({"tracks": [{"title": "Tone", "artist": "Fuzz"}], "album": "Fuzz", "width": 64, "height": 64})
    body, content_type = multipart_body({"meta": meta}, {"audio_0": audio, "image_0": image})
    request = urllib.request.Request(
        f"{base_url}/api/render", data=body, method="POST", headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=60) as response:
        job_id = json.load(response)["jobId"]

    deadline = time.monotonic() + RENDER_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base_url}/api/render/{job_id}", timeout=REQUEST_TIMEOUT_SECONDS) as response:
            status = json.load(response)
        if status["status"] == "done":
            return job_id
        if status["status"] in ("failed", "cancelled"):
            raise RuntimeError(f"the setup render {job_id} ended {status['status']}: {status.get('error')}")
        time.sleep(0.5)
    raise RuntimeError(f"the setup render {job_id} timed out after {RENDER_TIMEOUT_SECONDS} s")


def write_config(path, job_id):
    """Write a schemathesis config that uses the real job's id for jobId in half of the generated cases."""
    path.write_text(
        "[dictionaries.jobs]\n"
        f'values = ["{job_id}"]\n'
        "\n"
        "[parameters]\n"
        '"path.jobId" = { dictionary = "jobs", probability = 0.5 }\n')


def print_status_counts(base_url):
    """Print the server's request counts by route, method and status, which show what the run reached."""
    try:
        with urllib.request.urlopen(f"{base_url}/metrics", timeout=REQUEST_TIMEOUT_SECONDS) as response:
            text = response.read().decode()
    except (OSError, urllib.error.URLError) as error:
        print(f"reading /metrics failed: {error}", flush=True)
        return
    print("requests by route, method and status:", flush=True)
    for line in text.splitlines():
        if line.startswith("sleeve_http_requests_total{"):
            print("  " + line.removeprefix("sleeve_http_requests_total"), flush=True)


def count_results(junit_path):
    """Return (passed, failed) API operations from schemathesis's JUnit report."""
    root = ElementTree.parse(junit_path).getroot()
    passed = failed = 0
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is None:
            passed += 1
    return passed, failed


def main():
    binary = os.environ.get("SLEEVE_BIN", ".build/debug/sleeve")
    examples = int(os.environ.get("SLEEVE_FUZZ_EXAMPLES", "40"))
    seconds = int(os.environ.get("SLEEVE_FUZZ_SECONDS", "150"))
    seed = os.environ.get("SLEEVE_FUZZ_SEED", "20261204")
    schemathesis = schemathesis_command()
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} is not an executable sleeve binary: build it or set SLEEVE_BIN.")

    work = Path(tempfile.mkdtemp(prefix="sleeve-fuzz-"))
    log_path = work / "server.log"
    process, port = start_server(binary, work / "data", log_path)
    base_url = f"http://127.0.0.1:{port}"
    print(f"sleeve runs at {base_url} with PID {process.pid}, logging to {log_path}", flush=True)

    passed = failed = 0
    exit_code = 1
    try:
        job_id = render_album(base_url, work)
        print(f"rendered job {job_id} for the job routes", flush=True)
        config_path = work / "schemathesis.toml"
        write_config(config_path, job_id)

        junit_path = work / "junit.xml"
        command = [
            schemathesis, "--config-file", str(config_path), "run", f"{base_url}/api/openapi.json",
            "--checks", CHECKS,
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(examples),
            "--max-time", str(seconds),
            "--workers", "1",
            "--request-timeout", str(REQUEST_TIMEOUT_SECONDS),
            "--generation-database", "none",
            "--seed", seed,
            "--no-color",
            "--report", "junit", "--report-junit-path", str(junit_path),
        ]
        print("$ " + " ".join(command), flush=True)
        try:
            # --max-time bounds generation, and the extra minute covers loading, shrinking and the report.
            # schemathesis keeps a cache folder in its working folder, so it runs in the temporary one.
            result = subprocess.run(command, cwd=work, timeout=seconds + 60)
            exit_code = result.returncode
        except subprocess.TimeoutExpired:
            print(f"schemathesis did not finish within {seconds + 60} s and was stopped.", flush=True)
        print_status_counts(base_url)
        if junit_path.exists():
            passed, failed = count_results(junit_path)
        if exit_code != 0 and failed == 0:
            failed = 1
    except (OSError, RuntimeError, urllib.error.URLError, subprocess.CalledProcessError) as error:
        print(f"fuzz setup failed: {error}", flush=True)
        failed = max(failed, 1)
    finally:
        stop_server(process)

    if process.returncode not in (0, -signal.SIGTERM):
        print(f"sleeve exited with status {process.returncode}. Its log is {log_path}", flush=True)
        failed = max(failed, 1)
    if failed == 0 and exit_code == 0:
        shutil.rmtree(work, ignore_errors=True)
    print(f"fuzz: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and exit_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
