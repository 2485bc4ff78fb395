"""Server-Sent Events clients on raw HTTP/1.1 sockets: one blocking stream, or many on one selector."""

import selectors
import socket
import struct
import time

# Linux values from <asm-generic/socket.h>, for Python builds that do not export them.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SCM_TIMESTAMPNS = getattr(socket, "SCM_TIMESTAMPNS", SO_TIMESTAMPNS)
TIMESPEC = struct.Struct("@qq")


class SSEEvent:
    __slots__ = ("id", "event", "data", "arrival")

    def __init__(self, event_id, event, data, arrival):
        self.id = event_id
        self.event = event
        self.data = data
        self.arrival = arrival


class StreamResponse:
    """Incremental parser of one HTTP/1.1 response whose body is an event stream.

    Handles chunked and close-delimited bodies. Every event gets the arrival time of the bytes that completed it.
    """

    def __init__(self):
        self.buffer = bytearray()
        self.state = "head"
        self.status = None
        self.headers = {}
        self.chunk_left = 0
        self.events = []
        self.error = None
        self.head_arrival = None
        self._text = bytearray()
        self._fields = {}
        self._data_lines = []

    @property
    def is_complete(self):
        return self.state == "done"

    def feed(self, data, arrival):
        self.buffer += data
        while self._step(arrival):
            pass

    def _step(self, arrival):
        if self.state == "head":
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return False
            lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            del self.buffer[: end + 4]
            self.status = int(lines[0].split()[1])
            for line in lines[1:]:
                name, _, value = line.partition(":")
                self.headers[name.strip().lower()] = value.strip()
            self.head_arrival = arrival
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                self.state = "chunk-size"
            elif self.status == 204 or self.headers.get("content-length") == "0":
                self.state = "done"
            else:
                self.state = "identity"
            return True
        if self.state == "chunk-size":
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            size = int(bytes(self.buffer[:end]).split(b";")[0], 16)
            del self.buffer[: end + 2]
            if size == 0:
                self.state = "trailer"
            else:
                self.chunk_left = size
                self.state = "chunk-data"
            return True
        if self.state == "chunk-data":
            take = min(self.chunk_left, len(self.buffer))
            if take == 0:
                return False
            self._feed_text(self.buffer[:take], arrival)
            del self.buffer[:take]
            self.chunk_left -= take
            if self.chunk_left == 0:
                self.state = "chunk-end"
            return True
        if self.state == "chunk-end":
            if len(self.buffer) < 2:
                return False
            if self.buffer[:2] != b"\r\n":
                self.error = "chunk not followed by CRLF"
            del self.buffer[:2]
            self.state = "chunk-size"
            return True
        if self.state == "trailer":
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            line = self.buffer[:end]
            del self.buffer[: end + 2]
            if not line:
                self.state = "done"
            return True
        if self.state == "identity":
            if not self.buffer:
                return False
            self._feed_text(self.buffer, arrival)
            self.buffer.clear()
            return False
        return False

    def end_of_file(self):
        """Record that the server closed the connection; only a close-delimited body may end this way."""
        if self.state == "identity":
            self.state = "done"
        elif self.state != "done":
            self.error = self.error or f"connection closed in state {self.state}"

    def _feed_text(self, data, arrival):
        self._text += data
        while True:
            end = self._text.find(b"\n")
            if end < 0:
                return
            line = bytes(self._text[:end]).decode("utf-8", errors="replace").rstrip("\r")
            del self._text[: end + 1]
            self._line(line, arrival)

    def _line(self, line, arrival):
        if not line:
            if "event" in self._fields or self._data_lines:
                event_id = self._fields.get("id")
                self.events.append(SSEEvent(int(event_id) if event_id and event_id.isdigit() else None,
                                            self._fields.get("event", "message"), "\n".join(self._data_lines),
                                            arrival))
            self._fields = {}
            self._data_lines = []
            return
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            self._data_lines.append(value)
        else:
            self._fields[name] = value


def request_bytes(host, port, path, last_event_id=None):
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: text/event-stream", "Cache-Control: no-cache"]
    if last_event_id is not None:
        lines.append(f"Last-Event-ID: {last_event_id}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_stream(host, port, path, last_event_id=None, timeout=300, stop_after_events=None):
    """Follow one event stream on a blocking socket until it ends, `timeout` passes or `stop_after_events` arrive.

    Returns the StreamResponse. Arrival times are time.time() values taken after each recv.
    """
    response = StreamResponse()
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(request_bytes(host, port, path, last_event_id))
        while not response.is_complete:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                response.error = response.error or f"stream did not end within {timeout} s"
                break
            connection.settimeout(remaining)
            try:
                data = connection.recv(65536)
            except socket.timeout:
                continue
            if not data:
                response.end_of_file()
                break
            response.feed(data, time.time())
            if stop_after_events is not None and len(response.events) >= stop_after_events:
                break
    return response


class FanOutClients:
    """Many event-stream clients of one URL on non-blocking sockets served by one selector in this thread.

    Each socket has SO_TIMESTAMPNS set, so an event's arrival is the kernel's receive time of the segment that
    completed it (CLOCK_REALTIME), not the moment this single thread got round to reading it. When the kernel
    returns no timestamp, time.time() after recvmsg is used and `kernel_timestamps` counts how often it was not.
    """

    def __init__(self, host, port, path, count, max_pending_connects=64):
        self.host = host
        self.port = port
        self.path = path
        self.count = count
        self.max_pending_connects = max_pending_connects
        self.selector = selectors.DefaultSelector()
        self.responses = [StreamResponse() for _ in range(count)]
        self.connect_errors = []
        self.kernel_timestamps = 0
        self.user_timestamps = 0
        self._next_to_open = 0
        self._pending = 0
        self._open = 0
        self._request = request_bytes(host, port, path)
        self._ancillary_size = socket.CMSG_SPACE(TIMESPEC.size)

    @property
    def headers_received(self):
        return sum(1 for response in self.responses if response.status is not None)

    @property
    def finished(self):
        return self._next_to_open >= self.count and self._open == 0

    def _open_more(self):
        while self._next_to_open < self.count and self._pending < self.max_pending_connects:
            index = self._next_to_open
            self._next_to_open += 1
            try:
                connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            except OSError as error:
                self.connect_errors.append((index, f"socket() failed: {error}"))
                self.responses[index].error = str(error)
                continue
            connection.setblocking(False)
            connection.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            connection.connect_ex((self.host, self.port))
            self.selector.register(connection, selectors.EVENT_WRITE, index)
            self._pending += 1
            self._open += 1

    def _close(self, key):
        self.selector.unregister(key.fileobj)
        key.fileobj.close()
        self._open -= 1

    def poll(self, timeout):
        """Open sockets up to the pending limit and handle readiness for at most `timeout` seconds."""
        self._open_more()
        for key, mask in self.selector.select(timeout):
            index = key.data
            connection = key.fileobj
            response = self.responses[index]
            if mask & selectors.EVENT_WRITE:
                self._pending -= 1
                error = connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    self.connect_errors.append((index, f"connect failed: errno {error}"))
                    response.error = f"connect failed: errno {error}"
                    self._close(key)
                    continue
                connection.send(self._request)
                self.selector.modify(connection, selectors.EVENT_READ, index)
                continue
            try:
                data, ancillary, _, _ = connection.recvmsg(65536, self._ancillary_size)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as error:
                response.error = f"recv failed: {error}"
                self._close(key)
                continue
            if not data:
                response.end_of_file()
                self._close(key)
                continue
            arrival = None
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS and len(payload) >= TIMESPEC.size:
                    seconds, nanoseconds = TIMESPEC.unpack_from(payload)
                    arrival = seconds + nanoseconds / 1e9
            if arrival is None:
                arrival = time.time()
                self.user_timestamps += 1
            else:
                self.kernel_timestamps += 1
            response.feed(data, arrival)
            if response.is_complete:
                self._close(key)

    def close_all(self):
        for key in list(self.selector.get_map().values()):
            self._close(key)
        self.selector.close()
