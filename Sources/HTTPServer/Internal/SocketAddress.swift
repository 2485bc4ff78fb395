import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 socket address built from a host literal and a port.
enum SocketAddress {
    case ipv4(sockaddr_in)
    case ipv6(sockaddr_in6)

    /// Parses `host` as "localhost" (127.0.0.1), an IPv4 literal, or an IPv6 literal with or without brackets.
    init?(host: String, port: Int) {
        guard (0...65535).contains(port) else {
            return nil
        }

        var literal = host
        if literal.lowercased() == "localhost" {
            literal = "127.0.0.1"
        }
        if literal.hasPrefix("[") && literal.hasSuffix("]") {
            literal = String(literal.dropFirst().dropLast())
        }

        var address4 = sockaddr_in()
        if inet_pton(AF_INET, literal, &address4.sin_addr) == 1 {
            address4.sin_family = sa_family_t(AF_INET)
            address4.sin_port = UInt16(port).bigEndian
            self = .ipv4(address4)
            return
        }

        var address6 = sockaddr_in6()
        if inet_pton(AF_INET6, literal, &address6.sin6_addr) == 1 {
            address6.sin6_family = sa_family_t(AF_INET6)
            address6.sin6_port = UInt16(port).bigEndian
            self = .ipv6(address6)
            return
        }

        return nil
    }

    var isIPv6: Bool {
        if case .ipv6 = self {
            return true
        }
        return false
    }

    /// Whether the address is the IPv6 wildcard "::", which also accepts IPv4 clients on a dual-stack socket.
    var isIPv6Wildcard: Bool {
        guard case .ipv6(let address) = self else {
            return false
        }
        return withUnsafeBytes(of: address.sin6_addr) { $0.allSatisfy { $0 == 0 } }
    }

    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Result) rethrows -> Result {
        switch self {
        case .ipv4(var address):
            return try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6(var address):
            return try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// Returns the `errno` from binding a fresh socket to this address, or nil when the bind succeeds.
    ///
    /// The daemon does not report why it failed to start, so this probe finds the usual cause, such as
    /// `EADDRINUSE`. The probe socket is closed at once.
    func probeBindError() -> Int32? {
        let family = isIPv6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else {
            return errno
        }
        defer { close(descriptor) }

        var enabled: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &enabled, socklen_t(MemoryLayout<Int32>.size))
        if isIPv6 {
            setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &enabled, socklen_t(MemoryLayout<Int32>.size))
        }

        let result = withSockaddr { bind(descriptor, $0, $1) }
        return result == 0 ? nil : errno
    }
}
