import Foundation
import Synchronization

/// Generates request ids of the form "5f3a9c-1b": a random prefix per process and a counter, both in hexadecimal.
enum RequestIdentifier {
    private static let counter = Atomic<UInt64>(0)
    private static let prefix = String(UInt32.random(in: 0x10_0000...0xFF_FFFF), radix: 16)

    static func next() -> String {
        let value = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(prefix)-\(String(value, radix: 16))"
    }
}
