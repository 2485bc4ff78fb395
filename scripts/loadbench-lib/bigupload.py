"""Part 3: one very large upload while the server's VmRSS is sampled every 100 ms."""

import json
import os
import socket
import time
import uuid

import benchcommon as common

MIB = 1024 * 1024


def write_noise_file(path, size_mib):
    """Write `size_mib` MiB of one random MiB repeated. It is not audio, so the server rejects it with 415 once the body has arrived."""
    block = os.urandom(MIB)
    with open(path, "wb") as file:
        for _ in range(size_mib):
            file.write(block)


def upload(port, path, timeout):
    """POST the file as `audio_0` with a Content-Length through sendfile, and return (status, body, seconds)."""
    boundary = "loadbench-" + uuid.uuid4().hex
    meta = json.dumps({"tracks": [{"title": "Large"}], "width": 320, "height": 180}).encode()
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n".encode() + meta
            + f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"audio_0\"; filename=\"large.wav\"\r\n"
              f"Content-Type: application/octet-stream\r\n\r\n".encode())
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + os.path.getsize(path) + len(tail)
    request_head = (f"POST /api/render HTTP/1.1\r\nHost: {common.HOST}:{port}\r\n"
                    f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n"
                    f"Connection: close\r\n\r\n").encode()
    started = time.monotonic()
    with socket.create_connection((common.HOST, port), timeout=timeout) as connection:
        connection.sendall(request_head + head)
        with open(path, "rb") as file:
            connection.sendfile(file)
        connection.sendall(tail)
        received = bytearray()
        while True:
            data = connection.recv(65536)
            if not data:
                break
            received += data
    seconds = time.monotonic() - started
    status_line, _, rest = bytes(received).partition(b"\r\n")
    status = int(status_line.split()[1]) if status_line else None
    body = rest.partition(b"\r\n\r\n")[2]
    return status, body.decode(errors="replace"), seconds


def run(args, report):
    limit_mib = str(args.upload_mib + 1000)
    server = common.SleeveServer(args.binary, ["--max-file-mb", limit_mib, "--max-total-mb", limit_mib],
                                 open_files_soft_limit=args.server_nofile, work_dir=args.work_dir)
    path = os.path.join(server.work_dir, "large-upload.bin")
    results = []
    try:
        write_noise_file(path, args.upload_mib)
        with server:
            report.line(f"upload: server pid {server.pid}, file {args.upload_mib} MiB, limits {limit_mib} MiB")
            for attempt in range(1, args.repeat + 1):
                time.sleep(1)
                baseline = common.vm_rss_kib(server.pid)
                load_before = common.load_average()
                with common.RssSampler(server.pid, 0.1) as sampler:
                    status, body, seconds = upload(server.port, path, timeout=600)
                    time.sleep(0.3)
                load_after = common.load_average()
                result = {"attempt": attempt, "status": status, "body": body.strip()[:200], "seconds": seconds,
                          "mib_per_second": args.upload_mib / seconds, "baseline_kib": baseline,
                          "peak_kib": sampler.peak_kib, "samples": len(sampler.samples),
                          "after_kib": common.vm_rss_kib(server.pid),
                          "load_before": load_before, "load_after": load_after}
                results.append(result)
                report.line(
                    f"upload run {attempt}: {status} {result['body']} after {seconds:.1f} s "
                    f"({result['mib_per_second']:.0f} MiB/s); VmRSS baseline {baseline} KiB, peak "
                    f"{sampler.peak_kib} KiB over {len(sampler.samples)} samples, {result['after_kib']} KiB after; "
                    f"loadavg {load_before} -> {load_after}")
            leftovers = [name for _, _, names in os.walk(server.data_dir) for name in names
                         if not name.startswith("sleeve.sqlite")]
            if leftovers:
                report.line(f"upload: files left in the data folder after the rejected uploads: {leftovers[:10]}")
    finally:
        if os.path.exists(path):
            os.remove(path)
    return results
