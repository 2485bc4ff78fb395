import Testing

@testable import SleeveCore

@Suite struct CommandLineOptionsTests {
    let options = ServeConfiguration.options

    @Test func defaultsApply() throws {
        let configuration = try ServeConfiguration(options.parse([], environment: [:]))
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.maxFileMebibytes == 1024)
        #expect(configuration.maxTotalMebibytes == 4096)
        #expect(configuration.workers == 1)
        #expect(configuration.maxQueued == 20)
        #expect(configuration.retentionMinutes == 1440)
    }

    @Test func flagsBeatEnvironment() throws {
        let parsed = try options.parse(
            ["--port", "9000", "--max-file-mb=5", "--retention-minutes", "0.05"],
            environment: ["SLEEVE_PORT": "7000", "SLEEVE_WORKERS": "3"])
        let configuration = try ServeConfiguration(parsed)
        #expect(configuration.port == 9000)
        #expect(configuration.maxFileMebibytes == 5)
        #expect(configuration.retentionMinutes == 0.05)
        #expect(configuration.workers == 3)
    }

    @Test func environmentNamesAreUpperSnakeCase() {
        #expect(options.first { $0.name == "max-file-mb" }?.environmentName == "SLEEVE_MAX_FILE_MB")
    }

    @Test(arguments: [["--port", "x"], ["--port", "70000"], ["--bogus"], ["--port"], ["--workers", "0"]])
    func badValuesAreRejected(arguments: [String]) {
        #expect(throws: CommandLineError.self) { try options.parse(arguments, environment: [:]) }
    }

    @Test func badEnvironmentValueNamesVariable() {
        do {
            _ = try options.parse([], environment: ["SLEEVE_MAX_QUEUED": "many"])
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("SLEEVE_MAX_QUEUED"))
        }
    }
}
