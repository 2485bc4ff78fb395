import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program with an argument array and collects its output; for tests.
public struct Command {
    public struct Output: Sendable {
        public var status: Int32
        public var standardOutput: Data
        public var standardError: String

        public var text: String { String(decoding: standardOutput, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Runs `executable` (a path, or a name looked up in PATH) and waits for it.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], allowFailure: Bool = false) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()

        // Read both pipes while the program runs, so a full pipe never blocks it.
        let errorData = Locked(Data())
        let errorDescriptor = error.fileHandleForReading.fileDescriptor
        let errorReader = Thread {
            errorData.set(readToEnd(errorDescriptor))
        }
        errorReader.start()
        let outputData = readToEnd(output.fileHandleForReading.fileDescriptor)
        process.waitUntilExit()
        while !errorData.isSet { usleep(1_000) }

        let result = Output(
            status: process.terminationStatus, standardOutput: outputData,
            standardError: String(decoding: errorData.get(), as: UTF8.self))
        if !allowFailure && result.status != 0 {
            throw Failure(
                description:
                    "\(executable) \(arguments.joined(separator: " ")) exited with \(result.status): \(result.standardError.suffix(2_000))"
            )
        }
        return result
    }
}

/// Reads a descriptor until end of file, retrying reads that a signal interrupts. FileHandle's
/// readDataToEndOfFile traps on EINTR in this Foundation, so tests read descriptors directly.
func readToEnd(_ descriptor: Int32) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            data.append(contentsOf: buffer[0..<count])
        } else if count == 0 || errno != EINTR {
            return data
        }
    }
}

/// A value set once by another thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    private var wasSet = false

    init(_ value: Value) { self.value = value }

    func set(_ newValue: Value) {
        lock.withLock {
            value = newValue
            wasSet = true
        }
    }

    func get() -> Value { lock.withLock { value } }
    var isSet: Bool { lock.withLock { wasSet } }
}
