import Dispatch
import Foundation
import SleeveCore

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    Sleeve turns an album (audio tracks, each with a cover image and a title) into one MP4 video.

    Usage:
      sleeve serve [options]     Serve the web page and the HTTP API.
      sleeve render [options]    Render an album from files on this machine.
      sleeve --help              Show this help.
      sleeve --version           Show the version.

    Run "sleeve serve --help" or "sleeve render --help" for their options.
    """

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Waits until the process receives SIGINT or SIGTERM and returns the signal's name.
func waitForStopSignal() async -> String {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let queue = DispatchQueue(label: "sleeve.signals")
    let (stream, continuation) = AsyncStream.makeStream(of: String.self)
    let sources = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { number, name in
        let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
        source.setEventHandler { continuation.yield(name) }
        source.resume()
        return source
    }
    var iterator = stream.makeAsyncIterator()
    let name = await iterator.next() ?? "SIGTERM"
    sources.forEach { $0.cancel() }
    return name
}

func serve(_ arguments: [String]) async -> Int32 {
    if arguments.contains("--help") || arguments.contains("-h") {
        print(
            """
            Usage: sleeve serve [options]

            Serves Sleeve's web page at / and its HTTP API under /api. Stop it with Ctrl-C or SIGTERM.

            Options:
            \(ServeConfiguration.options.helpText())
            """)
        return 0
    }

    let configuration: ServeConfiguration
    do {
        let parsed = try ServeConfiguration.options.parse(arguments, environment: ProcessInfo.processInfo.environment)
        guard parsed.positional.isEmpty else {
            throw CommandLineError(
                "sleeve serve takes no arguments besides options, but got \"\(parsed.positional[0])\".")
        }
        configuration = try ServeConfiguration(parsed)
    } catch {
        printError("sleeve serve: \(error)")
        return 64
    }

    let logger = Logger(label: "sleeve", level: configuration.logLevel)
    let server: SleeveServer
    do {
        server = try SleeveServer(configuration: configuration, logger: logger)
        try server.start()
    } catch {
        logger.error("server failed to start", ["error": "\(error)"])
        return 1
    }

    let signalName = await waitForStopSignal()
    logger.info("stopping", ["signal": signalName])
    await server.stop()
    return 0
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "serve":
    exit(await serve(Array(arguments.dropFirst())))
case "render":
    exit(await RenderCommand.run(Array(arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
case "--version", "version":
    print("sleeve \(SleeveVersion.current)")
case "--help", "-h", "help", nil:
    print(usage)
default:
    printError("sleeve: unknown command \"\(arguments[0])\".\n\n\(usage)")
    exit(64)
}
