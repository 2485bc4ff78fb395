/// A small parser for `--name value` and `--name=value` options with environment fallbacks, which is what the
/// `sleeve` commands need without an outside argument parser.
public struct CommandLineOption: Sendable {
    public enum Kind: Sendable {
        case text
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case flag
    }

    public var name: String
    public var kind: Kind
    public var defaultValue: String?
    public var valueName: String
    public var help: String
    /// Also read from this environment variable, such as `SLEEVE_MAX_FILE_MB`.
    public var environmentName: String?

    public init(
        _ name: String, _ kind: Kind, default defaultValue: String? = nil, valueName: String = "VALUE", help: String,
        environment: Bool = true
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.valueName = valueName
        self.help = help
        self.environmentName =
            environment ? "SLEEVE_" + name.uppercased().replacingOccurrences(of: "-", with: "_") : nil
    }
}

/// A command-line usage error: the message names the option, the value and the fix.
public struct CommandLineError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Parsed options: values by option name, and the arguments that are not options.
public struct ParsedOptions: Sendable {
    public var values: [String: String] = [:]
    public var flags: Set<String> = []
    public var positional: [String] = []

    public func text(_ name: String) -> String? { values[name] }
    public func integer(_ name: String) -> Int? { values[name].flatMap { Int($0) } }
    public func number(_ name: String) -> Double? { values[name].flatMap { Double($0) } }
    public func isSet(_ name: String) -> Bool { flags.contains(name) }
}

extension Array where Element == CommandLineOption {
    /// Parses `arguments` (without the command's own name); options missing there come from `environment`, then
    /// from their defaults. `--` ends options.
    public func parse(_ arguments: [String], environment: [String: String]) throws(CommandLineError) -> ParsedOptions {
        var parsed = ParsedOptions()
        var index = 0
        var optionsEnded = false

        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard !optionsEnded, argument.hasPrefix("--"), argument.count > 2 else {
                if argument == "--" && !optionsEnded {
                    optionsEnded = true
                } else if argument.hasPrefix("-") && argument.count > 1 && !optionsEnded {
                    throw CommandLineError("Unknown option \(argument). Run with --help to list the options.")
                } else {
                    parsed.positional.append(argument)
                }
                continue
            }

            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            var inlineValue: String? = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
            guard let option = first(where: { $0.name == name }) else {
                throw CommandLineError("Unknown option --\(name). Run with --help to list the options.")
            }

            if case .flag = option.kind {
                guard inlineValue == nil else {
                    throw CommandLineError("--\(name) takes no value; write --\(name) alone.")
                }
                parsed.flags.insert(name)
                continue
            }
            if inlineValue == nil {
                guard index < arguments.count else {
                    throw CommandLineError("--\(name) needs a value: --\(name) \(option.valueName).")
                }
                inlineValue = arguments[index]
                index += 1
            }
            parsed.values[name] = try option.check(inlineValue!, source: "--\(name)")
        }

        for option in self where parsed.values[option.name] == nil {
            if case .flag = option.kind {
                if let variable = option.environmentName, let value = environment[variable],
                    ["1", "true", "yes"].contains(value.lowercased())
                {
                    parsed.flags.insert(option.name)
                }
                continue
            }
            if let variable = option.environmentName, let value = environment[variable], !value.isEmpty {
                parsed.values[option.name] = try option.check(value, source: variable)
            } else if let fallback = option.defaultValue {
                parsed.values[option.name] = fallback
            }
        }
        return parsed
    }

    /// Formats the options for `--help`, one entry per option with its default and environment variable.
    public func helpText() -> String {
        map { option in
            var head = "  --\(option.name)"
            if case .flag = option.kind {} else { head += " \(option.valueName)" }
            var lines = [head, "      \(option.help)"]
            var details: [String] = []
            if let fallback = option.defaultValue { details.append("default: \(fallback)") }
            if let variable = option.environmentName { details.append("env: \(variable)") }
            if !details.isEmpty { lines.append("      (\(details.joined(separator: "; ")))") }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

extension CommandLineOption {
    func check(_ value: String, source: String) throws(CommandLineError) -> String {
        switch kind {
        case .text, .flag:
            return value
        case .integer(let range):
            guard let number = Int(value), range.contains(number) else {
                throw CommandLineError(
                    "\(source) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(value)\"."
                )
            }
            return value
        case .number(let range):
            guard let number = Double(value), number.isFinite, range.contains(number) else {
                throw CommandLineError(
                    "\(source) must be a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)), not \"\(value)\"."
                )
            }
            return value
        }
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number ? String(Int(number)) : String(number)
    }
}
