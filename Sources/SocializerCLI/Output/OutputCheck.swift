import SocializerCore

/// Checks `--fields` and `--format` against what a verb declares it prints,
/// before the verb runs: a bad option must never be found only after the
/// change it would have reported was committed.
enum OutputCheck {
    static func validate(_ node: CommandNode, _ arguments: ParsedArguments, _ globals: GlobalOptions) throws {
        guard let declaration = node.output else { return }
        let verb = arguments.path.joined(separator: " ")
        switch declaration(arguments, globals.format) {
        case .fields(let columns):
            for field in globals.fields ?? [] where !columns.contains(field) {
                // A field the verb prints only with one of its flags (rooms list --with-counts): say which.
                if let flag = node.options.first(where: { option in
                    guard option.isFlag, !arguments.flag(option.name) else { return false }
                    var flagged = arguments
                    flagged.values[option.name] = .flag
                    if case .fields(let more) = declaration(flagged, globals.format) { return more.contains(field) }
                    return false
                }) {
                    throw SocializerError.usage("the field '\(Echo.cut(field))' is printed only with --\(flag.name)",
                                                hint: "add --\(flag.name), or pick from: " + columns.joined(separator: ","))
                }
                throw SocializerError.usage("unknown field '\(Echo.cut(field))' for --fields",
                                            hint: "available fields: " + columns.joined(separator: ","))
            }
        case .document(let formats):
            // Table means the document's first named format.
            let named = formats.filter { $0 != .table }.map(\.rawValue)
            if globals.format != .table && !formats.contains(globals.format) {
                let list = named.count > 1 ? named.dropLast().joined(separator: ", ") + " or " + named.last! : named.joined()
                throw SocializerError.usage("'\(verb)' writes \(list); --format \(globals.format.rawValue) does not apply",
                                            hint: "use --format " + named.joined(separator: "|"))
            }
            if globals.fields != nil {
                throw SocializerError.usage("'\(verb)' writes whole records; --fields does not apply", hint: "leave out --fields")
            }
        case .text:
            let formats = OutputFormat.allCases.filter { $0 != globals.format }
                .filter { if case .fields = declaration(arguments, $0) { return true } else { return false } }
            if globals.format != .table && formats.isEmpty {
                // Text in every format (SQL, a script): a JSON request is refused, not silently ignored.
                throw SocializerError.usage("'\(verb)' prints text; --format \(globals.format.rawValue) does not apply",
                                            hint: "leave out --format and --json")
            }
            guard globals.fields != nil else { return }
            throw SocializerError.usage(
                "'\(verb)' prints text in --format \(globals.format.rawValue); --fields does not apply",
                hint: formats.isEmpty ? "leave out --fields"
                    : "use --format " + formats.map(\.rawValue).joined(separator: "|") + " to pick fields")
        }
    }

    /// Text (SQL, a script, a document) in every format: `--fields` does
    /// not apply, and JSON output is refused rather than ignored.
    static let text: OutputDeclaration = { _, _ in .text }

    /// A document in one of `formats` (the first in table format).
    static func document(_ formats: [OutputFormat]) -> OutputDeclaration { { _, _ in .document(formats) } }

    /// The same fields in every format.
    static func fields(_ columns: [String]) -> OutputDeclaration { { _, _ in .fields(columns) } }
    /// A sentence in table format; one record with these fields otherwise.
    static func sentenceOrRecord(_ columns: [String]) -> OutputDeclaration {
        { _, format in format == .table ? .text : .fields(columns) }
    }
}
