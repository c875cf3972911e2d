import SocializerCore

/// What argv asks for.
public enum ParseOutcome: Sendable {
    case run(CommandNode, ParsedArguments)
    case help(path: [String], node: CommandNode)
    case version
}

/// A usage error: exit 64, the message, a hint, and the usage line of the
/// command it concerns.
public struct UsageError: Error, Sendable {
    public var message: String
    public var hint: String?
    public var path: [String]
    /// 64, except for a value that is well placed but bad data (invalid JSON): 65.
    public var code: ExitCode = .usage
}

/// Options refused on purpose, with the reason (SPEC §4: secrets never travel in argv).
let refusedOptions: [String: String] = [
    "password": "passwords never travel in argv, where other users can read them (ps, /proc); "
        + "use --password-stdin or --password-file FILE (a verb that needs a password also asks for it on a terminal)",
]

/// The hand-written parser, driven entirely by the command table.
///
/// Global options are accepted anywhere; `--opt=value` and `--opt value`
/// both work; short flags may be clustered (`-qy`); `--` ends options.
public struct ArgumentParser {
    let root: CommandNode
    let globals: [OptionSpec]
    let now: Timestamp

    public init(root: CommandNode, globals: [OptionSpec], now: Timestamp) {
        self.root = root
        self.globals = globals
        self.now = now
    }

    public func parse(_ arguments: [String]) throws(UsageError) -> ParseOutcome {
        var node = root
        var path: [String] = []
        var values: [String: ArgumentValue] = [:]
        var positionals: [String] = []
        // Help wins over any error elsewhere on the line.
        var helpRequested = arguments.prefix { $0 != "--" }.contains { $0 == "--help" || $0 == "-h" }
        var versionRequested = false
        var optionsEnded = false
        var index = 0

        func usage(_ message: String, hint: String? = nil) -> UsageError {
            UsageError(message: message, hint: hint, path: path)
        }
        func lookup(long name: String) -> OptionSpec? {
            (node.children.isEmpty ? node.options.first { $0.name == name } : nil) ?? globals.first { $0.name == name }
        }
        func lookup(short: Character) -> OptionSpec? {
            (node.children.isEmpty ? node.options.first { $0.short == short } : nil) ?? globals.first { $0.short == short }
        }
        func store(_ option: OptionSpec, _ raw: String?) throws(UsageError) {
            guard let raw else {
                values[option.name] = .flag
                return
            }
            let value = try convert(raw, option.type, what: "--\(option.name)", path: path)
            if let limit = option.maxLength, raw.count > limit {
                throw usage("--\(option.name) is \(raw.count) characters long; at most \(limit) are accepted")
            }
            if option.repeatable {
                values[option.name] = .strings(strings(values[option.name]) + [raw])
                return
            }
            if values[option.name] != nil, !option.isFlag {
                throw usage("--\(option.name) was given more than once")
            }
            values[option.name] = value
        }

        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if !optionsEnded && argument == "--" {
                optionsEnded = true
                continue
            }
            if !optionsEnded && argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                var inline: String?
                if let eq = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if name == "help" { helpRequested = true; continue }
                if name == "version" { versionRequested = true; continue }
                if let reason = refusedOptions[name] {
                    throw usage("--\(name) is not accepted", hint: reason)
                }
                guard let option = lookup(long: name) else {
                    if helpRequested { continue }
                    let candidates = (node.children.isEmpty ? node.options.map(\.name) : []) + globals.map(\.name)
                    let hint = Suggestions.closest(to: name, among: candidates).map { "did you mean --\($0)?" }
                        ?? "see: socializer \((path + ["--help"]).joined(separator: " "))"
                    throw usage("unknown option '--\(Echo.cut(name))'", hint: hint)
                }
                if option.isFlag {
                    if inline != nil { throw usage("--\(name) takes no value") }
                    try store(option, nil)
                } else if let inline {
                    try store(option, inline)
                } else {
                    // A value may begin with - (`--sort -messages`, `--since -5d`) unless it is an option itself.
                    guard index < arguments.count, !isDeclaredOption(arguments[index], node) else {
                        // What follows reads as an option; a value may still be meant (`--message -hello`).
                        let hint = index < arguments.count
                            ? "expected \(option.type.acceptedForm); a value that reads as an option is given as --\(name)=\(option.valueName)"
                            : "expected \(option.type.acceptedForm)"
                        throw usage("--\(name) needs a value (\(option.valueName))", hint: hint)
                    }
                    try store(option, arguments[index])
                    index += 1
                }
                continue
            }
            if !optionsEnded && argument.hasPrefix("-") && argument.count > 1 && !isNumber(argument) {
                let letters = Array(argument.dropFirst())
                for (offset, letter) in letters.enumerated() {
                    if letter == "h" { helpRequested = true; continue }
                    guard let option = lookup(short: letter) else {
                        if helpRequested { continue }
                        throw usage("unknown option '-\(Echo.cut(String(letter)))'",
                                    hint: "see: socializer \((path + ["--help"]).joined(separator: " "))")
                    }
                    if option.isFlag {
                        try store(option, nil)
                    } else {
                        // `-xVALUE` or `-x VALUE`, only as the last letter of a cluster.
                        let rest = String(letters[(offset + 1)...])
                        if !rest.isEmpty {
                            try store(option, rest)
                        } else {
                            guard index < arguments.count, !isDeclaredOption(arguments[index], node) else {
                                throw usage("-\(letter) needs a value (\(option.valueName))")
                            }
                            try store(option, arguments[index])
                            index += 1
                        }
                        break
                    }
                }
                continue
            }
            // A word: the next command or verb until a leaf is reached, then a positional.
            if !node.children.isEmpty {
                guard let next = node.child(argument) else {
                    // `socializer rooms --help` is the same unknown command as without --help.
                    let names = node.children.map(\.name)
                    let whose = path.isEmpty ? "" : " for '\(path.joined(separator: " "))'"
                    var hint = Suggestions.closest(to: argument, among: names).map { "did you mean '\($0)'?" }
                    if hint == nil { hint = "choose one of: " + names.joined(separator: ", ") }
                    throw usage("unknown \(path.isEmpty ? "command" : "verb") '\(Echo.cut(argument))'\(whose)", hint: hint)
                }
                node = next
                path.append(argument)
                continue
            }
            positionals.append(argument)
        }

        if versionRequested && path.isEmpty { return .version }
        if helpRequested { return .help(path: path, node: node) }
        if path.isEmpty {
            throw usage("no command given", hint: "run 'socializer --help' for the list of commands")
        }
        if !node.children.isEmpty {
            throw usage("'\(path.joined(separator: " "))' needs a verb",
                        hint: "choose one of: " + node.children.map(\.name).joined(separator: ", "))
        }

        // Positionals, in declaration order.
        var remaining = positionals[...]
        for spec in node.positionals {
            if spec.variadic {
                let all = Array(remaining)
                remaining = []
                if all.isEmpty {
                    if !spec.optional { throw usage("missing \(spec.name)") }
                    continue
                }
                for raw in all { _ = try convert(raw, spec.type, what: spec.name, path: path) }
                values[spec.name] = .strings(all)
                continue
            }
            guard let raw = remaining.popFirst() else {
                if spec.optional { continue }
                throw usage("missing \(spec.name)")
            }
            values[spec.name] = try convert(raw, spec.type, what: spec.name, path: path)
        }
        if !remaining.isEmpty {
            // Never echoed: a surplus argument is often a secret typed in the
            // wrong place (`users create alice hunter2`, a second token).
            let position = positionals.count - remaining.count + 1
            let shown = node.positionals.first(where: \.secret).map { "<\($0.name.lowercased())>" } ?? "<argument \(position)>"
            throw usage("unexpected \(shown) (not shown: it may be a secret)",
                        hint: "'\(path.joined(separator: " "))' takes " + (node.positionals.isEmpty ? "no arguments"
                            : node.positionals.map(\.synopsis).joined(separator: " ")))
        }
        for option in node.options where option.required && values[option.name] == nil {
            throw usage("--\(option.name) is required")
        }
        // Options as --name, positionals (TOKEN in "TOKEN or --stdin") by their name.
        let shown = { (name: String) in node.positionals.contains { $0.name == name } ? name : "--\(name)" }
        for group in node.exclusive {
            let given = group.filter { values[$0] != nil }
            if given.count > 1 {
                throw usage("\(shown(given[0])) and \(shown(given[1])) cannot be used together")
            }
        }
        for group in node.requireOneOf where !group.contains(where: { values[$0] != nil }) {
            throw usage("one of " + group.map(shown).joined(separator: " or ") + " is required")
        }
        for name in ["dry-run", "no-audit"] where values[name] != nil && !node.mutating {
            throw usage("'\(path.joined(separator: " "))' changes nothing; --\(name) does not apply")
        }
        let declared = Set(node.options.map(\.name) + node.positionals.map(\.name) + globals.map(\.name))
        return .run(node, ParsedArguments(path: path, values: values, declared: declared, now: now))
    }

    private func strings(_ value: ArgumentValue?) -> [String] {
        if case .strings(let existing) = value { return existing }
        return []
    }

    private func looksLikeOption(_ text: String) -> Bool {
        text.hasPrefix("-") && text.count > 1 && !isNumber(text)
    }

    /// Whether `text` names an option of this verb or a global one (`--json`,
    /// `-q`, `--help`): then it is not the value of the option before it.
    private func isDeclaredOption(_ text: String, _ node: CommandNode) -> Bool {
        guard looksLikeOption(text) else { return false }
        let options = (node.children.isEmpty ? node.options : []) + globals
        if text.hasPrefix("--") {
            let name = String(text.dropFirst(2).prefix { $0 != "=" })
            return name == "help" || name == "version" || name.isEmpty || refusedOptions[name] != nil
                || options.contains { $0.name == name }
        }
        guard let letter = text.dropFirst().first else { return false }
        return letter == "h" || options.contains { $0.short == letter }
    }

    private func isNumber(_ text: String) -> Bool {
        Double(text) != nil
    }

    func convert(_ raw: String, _ type: ValueType, what: String, path: [String]) throws(UsageError) -> ArgumentValue {
        func invalid() -> UsageError {
            UsageError(message: "invalid value '\(Echo.cut(raw))' for \(what)", hint: "expected \(type.acceptedForm)", path: path)
        }
        switch type {
        case .flag: return .flag
        case .string, .path:
            return .string(raw)
        case .integer(let range):
            guard raw.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") }),
                  let value = Int64(raw), range.contains(value) else { throw invalid() }
            return .integer(value)
        case .number(let range):
            guard let value = Double(raw), value.isFinite, range.contains(value) else { throw invalid() }
            return .number(value)
        case .choice(let values):
            guard values.contains(raw) else {
                var error = invalid()
                if let guess = Suggestions.closest(to: raw, among: values) { error.hint = "did you mean '\(guess)'? expected \(type.acceptedForm)" }
                throw error
            }
            return .string(raw)
        case .duration:
            guard let span = TimeSpan.parse(raw) else { throw invalid() }
            return .duration(span)
        case .days:
            guard let span = TimeSpan.parse(raw), span.seconds >= 86_400, span.seconds % 86_400 == 0 else { throw invalid() }
            return .duration(span)
        case .time:
            // A duration means that long ago; `-5d` says so explicitly.
            let ago = raw.hasPrefix("-") ? String(raw.dropFirst()) : raw
            if let span = TimeSpan.parse(ago) { return .time(now.adding(seconds: -span.seconds)) }
            guard let instant = Timestamp.parse(raw) else { throw invalid() }
            return .time(instant)
        case .json:
            do {
                return .json(try JSONParser.parse(raw))
            } catch {
                let startsWithWord = raw.first.map { $0.isLetter } ?? false
                let hint = startsWithWord
                    ? "text must be a JSON string, in double quotes: '\"\(Echo.cut(raw, maximumLength: 40))\"' (with the single quotes for the shell)"
                    : "quote the JSON for the shell, for example '{\"a\": 1}'"
                let name = what.hasPrefix("--") ? what : "argument \(what)"
                throw UsageError(message: "\(name) is not valid JSON: \(error.reason) (at column \(error.position.column))",
                                 hint: hint, path: path, code: .invalidData)
            }
        case .list:
            let items = raw.split(separator: ",", omittingEmptySubsequences: false).map {
                String($0).trimmedSpaces
            }
            guard !items.contains(where: \.isEmpty) else { throw invalid() }
            return .list(items)
        }
    }
}
