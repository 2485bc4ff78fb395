import CSystemShims
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A failure to start an external tool.
struct ToolLaunchError: Error, Sendable {
    /// The tool's role, such as "ffmpeg".
    var toolName: String
    /// The configured executable name or path.
    var executable: String
    /// The reason, such as "No such file or directory".
    var reason: String

    var message: String {
        "\(toolName) could not be run at \(executable): \(reason)"
    }
}

/// The end state of a finished tool process.
struct ToolExit: Sendable, Equatable {
    /// The exit status, or nil when a signal ended the process.
    var status: Int32?
    /// The signal that ended the process, if any.
    var signal: Int32?

    var isSuccess: Bool { status == 0 }

    var description: String {
        if let status {
            return "exit status \(status)"
        }
        return "killed by signal \(signal ?? 0)"
    }
}

/// The outcome of one tool run: how it ended, its standard output and the last lines of its standard error.
struct ToolRunResult: Sendable {
    var exit: ToolExit
    /// Standard output, empty when the caller consumed it line by line.
    var standardOutput: Data
    /// The last standard error lines, oldest first (at most `ToolProcess.stderrTailLimit`).
    var standardErrorTail: [String]
}

/// A handle on the process group of a running tool, used to stop it from another thread.
///
/// The process is reaped only after `markExited()`, which happens under the same lock that `terminate()` takes, so a
/// signal is never sent to a reused process id.
final class ToolProcessHandle: Sendable {
    private struct State {
        var pid: pid_t?
        var hasExited = false
        var isTerminationRequested = false
    }

    private let state = Mutex(State())

    var isTerminationRequested: Bool {
        state.withLock { $0.isTerminationRequested }
    }

    /// Records the process id and returns false when termination was already requested, after signalling the group.
    fileprivate func attach(pid: pid_t) -> Bool {
        let shouldTerminate = state.withLock { state -> Bool in
            state.pid = pid
            return state.isTerminationRequested
        }
        if shouldTerminate {
            signalGroup(SIGTERM)
            scheduleKill()
        }
        return !shouldTerminate
    }

    fileprivate func markExited() {
        state.withLock { $0.hasExited = true }
    }

    /// Sends SIGTERM to the process group, then SIGKILL half a second later if the process is still running.
    func terminate() {
        let pid = state.withLock { state -> pid_t? in
            state.isTerminationRequested = true
            return state.pid
        }
        guard pid != nil else {
            return
        }
        signalGroup(SIGTERM)
        scheduleKill()
    }

    private func scheduleKill() {
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { [self] in
            signalGroup(SIGKILL)
        }
    }

    private func signalGroup(_ signal: Int32) {
        state.withLock { state in
            guard let pid = state.pid, !state.hasExited else {
                return
            }
            kill(-pid, signal)
        }
    }
}

/// Runs an external tool in its own process group with standard input read from /dev/null.
///
/// Standard output and standard error are read on separate threads, so a full pipe cannot stall the tool while the
/// other pipe is read.
enum ToolProcess {
    static let stderrTailLimit = 40

    /// Runs the tool and blocks the calling thread until it exits and both pipes reach end of file.
    ///
    /// - Parameters:
    ///   - toolName: The role used in error messages, such as "ffmpeg".
    ///   - executable: A bare name looked up in `PATH`, or a path.
    ///   - arguments: The arguments after the program name; never interpreted by a shell.
    ///   - handle: Receives the process id so that another thread can stop the process group.
    ///   - onOutputLine: When set, receives each standard output line and standard output is not collected.
    ///   - onErrorLine: Receives each standard error line.
    /// - Throws: `ToolLaunchError` when the executable cannot be found or started.
    static func run(
        toolName: String,
        executable: String,
        arguments: [String],
        handle: ToolProcessHandle? = nil,
        onOutputLine: (@Sendable (String) -> Void)? = nil,
        onErrorLine: (@Sendable (String) -> Void)? = nil
    ) throws(ToolLaunchError) -> ToolRunResult {
        guard let path = MediaTools.resolveExecutable(executable) else {
            throw ToolLaunchError(toolName: toolName, executable: executable, reason: "it was not found in PATH")
        }

        // Pipe creation and spawning share one lock: a pipe made without O_CLOEXEC on another thread could
        // otherwise leak into this child and keep that pipe open after its own tool exits.
        let spawned = spawnLock.withLock {
            _ -> Result<(pid: pid_t, outputFD: Int32, errorFD: Int32), ToolLaunchError> in
            var outputPipe: [Int32] = [-1, -1]
            var errorPipe: [Int32] = [-1, -1]
            guard makeCloseOnExecPipe(&outputPipe) else {
                return .failure(ToolLaunchError(toolName: toolName, executable: path, reason: errnoDescription(errno)))
            }
            guard makeCloseOnExecPipe(&errorPipe) else {
                let code = errno
                close(outputPipe[0])
                close(outputPipe[1])
                return .failure(ToolLaunchError(toolName: toolName, executable: path, reason: errnoDescription(code)))
            }

            var pid: pid_t = 0
            let code = spawn(
                path: path, arguments: arguments, outputFD: outputPipe[1], errorFD: errorPipe[1], pid: &pid)
            close(outputPipe[1])
            close(errorPipe[1])
            guard code == 0 else {
                close(outputPipe[0])
                close(errorPipe[0])
                return .failure(ToolLaunchError(toolName: toolName, executable: path, reason: errnoDescription(code)))
            }
            return .success((pid, outputPipe[0], errorPipe[0]))
        }
        let pid: pid_t
        let outputFD: Int32
        let errorFD: Int32
        switch spawned {
        case .success(let process):
            (pid, outputFD, errorFD) = process
        case .failure(let error):
            throw error
        }
        // When termination was requested before the start, attach(pid:) signals the group at once.
        _ = handle?.attach(pid: pid)

        let errorTail = Mutex<[String]>([])
        let errorReaderDone = DispatchSemaphore(value: 0)
        let errorThread = Thread {
            readLines(from: errorFD) { line in
                errorTail.withLock { tail in
                    tail.append(line)
                    if tail.count > stderrTailLimit {
                        tail.removeFirst(tail.count - stderrTailLimit)
                    }
                }
                onErrorLine?(line)
            }
            close(errorFD)
            errorReaderDone.signal()
        }
        errorThread.start()

        var collected = Data()
        if let onOutputLine {
            readLines(from: outputFD, onLine: onOutputLine)
        } else {
            collected = readAll(from: outputFD)
        }
        close(outputFD)
        errorReaderDone.wait()

        let exit = waitForExit(pid: pid, handle: handle)
        return ToolRunResult(
            exit: exit,
            standardOutput: collected,
            standardErrorTail: errorTail.withLock { $0 }
        )
    }

    // MARK: - Spawning

    private static let spawnLock = Mutex(())

    private static func makeCloseOnExecPipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else {
            return false
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    /// Starts the process and returns 0, or the error number from posix_spawn.
    private static func spawn(
        path: String,
        arguments: [String],
        outputFD: Int32,
        errorFD: Int32,
        pid: inout pid_t
    ) -> Int32 {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&fileActions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&fileActions, errorFD, 2)
        // Descriptors opened without O_CLOEXEC elsewhere in the process (client sockets, the database, pipes of
        // other children) must not leak into the tool, where they would outlive it or keep a pipe open.
        sleeve_spawn_close_from(&fileActions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        sigaddset(&defaultSignals, SIGTERM)
        sigaddset(&defaultSignals, SIGINT)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        // Process group 0 makes the child the leader of a new group, so a signal to -pid reaches the tool and its
        // children but not this process.
        posix_spawnattr_setpgroup(&attributes, 0)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        posix_spawnattr_setflags(&attributes, Int16(flags))

        // setpriv sets the parent-death signal and then executes the tool in the same process, so the tool is
        // killed when the thread that started it dies, also when this process is killed with SIGKILL. Without
        // setpriv, or for a path that is not executable (so that posix_spawn reports the error), the tool
        // starts directly.
        var program = path
        var commandLine = [path] + arguments
        if let launcher = deathSignalLauncher, access(path, X_OK) == 0 {
            program = launcher
            commandLine = [launcher, "--pdeathsig", "KILL", "--"] + commandLine
        }

        var argv: [UnsafeMutablePointer<CChar>?] = commandLine.map { strdup($0) }
        argv.append(nil)
        defer {
            for pointer in argv {
                free(pointer)
            }
        }

        return posix_spawn(&pid, program, &fileActions, &attributes, argv, environ)
    }

    /// util-linux's setpriv, which every Debian system has.
    private static let deathSignalLauncher: String? = {
        let path = "/usr/bin/setpriv"
        return access(path, X_OK) == 0 ? path : nil
    }()

    private static func waitForExit(pid: pid_t, handle: ToolProcessHandle?) -> ToolExit {
        // Waiting with WNOWAIT first leaves the process unreaped until the handle has recorded its exit.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        handle?.markExited()

        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let termSignal = status & 0x7f
        if termSignal == 0 {
            return ToolExit(status: (status >> 8) & 0xff, signal: nil)
        }
        return ToolExit(status: nil, signal: termSignal)
    }

    // MARK: - Reading pipes

    private static func readAll(from fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        return data
    }

    /// Calls `onLine` for each line of the stream, splitting on "\n" and "\r" and skipping empty lines.
    private static func readLines(from fd: Int32, onLine: (String) -> Void) {
        var pending = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR {
                continue
            }
            if count <= 0 {
                break
            }
            for byte in buffer[0..<count] {
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                    if !pending.isEmpty {
                        onLine(String(decoding: pending, as: UTF8.self))
                        pending.removeAll(keepingCapacity: true)
                    }
                } else {
                    pending.append(byte)
                }
            }
        }
        if !pending.isEmpty {
            onLine(String(decoding: pending, as: UTF8.self))
        }
    }

    private static func errnoDescription(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

extension ToolProcess {
    /// Runs the tool on a dedicated thread. Cancelling the calling task stops the process group.
    ///
    /// - Throws: `CancellationError` when the task was cancelled, or `ToolLaunchError`.
    static func runCancellable(
        toolName: String,
        executable: String,
        arguments: [String],
        onOutputLine: (@Sendable (String) -> Void)? = nil,
        onErrorLine: (@Sendable (String) -> Void)? = nil
    ) async throws -> ToolRunResult {
        try Task.checkCancellation()
        let handle = ToolProcessHandle()
        let result = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ToolRunResult, Error>) in
                let thread = Thread {
                    do {
                        let result = try run(
                            toolName: toolName,
                            executable: executable,
                            arguments: arguments,
                            handle: handle,
                            onOutputLine: onOutputLine,
                            onErrorLine: onErrorLine
                        )
                        continuation.resume(returning: result)
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.start()
            }
        } onCancel: {
            handle.terminate()
        }
        if handle.isTerminationRequested {
            throw CancellationError()
        }
        return result
    }
}
