import Foundation
@testable import SocializerCLI

/// Writes the reference parts of the man pages from the command table: for
/// every verb its SYNOPSIS line and its OPTIONS block, and for every command
/// page the SYNOPSIS listing its verbs. Each sits between marker comments
///
///     .\" BEGIN GENERATED SYNOPSIS users create
///     …
///     .\" END GENERATED
///
/// and everything outside the markers is hand-written prose. `ManPageTests`
/// checks the blocks are current and, with `SOCIALIZER_REGENERATE_MAN=1`,
/// rewrites them:
///
///     SOCIALIZER_REGENERATE_MAN=1 swift test --filter ManPageTests
enum ManPageGenerator {
    static let beginPrefix = ".\\\" BEGIN GENERATED "
    static let end = ".\\\" END GENERATED"

    /// Text for a roff text line or macro argument: backslashes and hyphens
    /// escaped, other non-ASCII characters as `\[uXXXX]`.
    static func roff(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case "\u{2026}": out += "\\&..."
            default:
                if scalar.isASCII { out.unicodeScalars.append(scalar) } else { out += String(format: "\\[u%04X]", scalar.value) }
            }
        }
        return out
    }

    /// A text line that roff cannot mistake for a request.
    static func line(_ text: String) -> String {
        text.hasPrefix(".") || text.hasPrefix("'") ? "\\&" + text : text
    }

    static func bold(_ text: String) -> String { "\\fB\(roff(text))\\fR" }
    static func italic(_ text: String) -> String { "\\fI\(roff(text))\\fR" }

    /// `--email E`, `-y, --yes`, in the inline font escapes of a synopsis.
    static func optionForm(_ option: OptionSpec, withShort: Bool) -> String {
        var text = withShort ? option.short.map { bold("-\($0)") + ", " } ?? "" : ""
        text += bold("--\(option.name)")
        if !option.isFlag { text += " " + italic(option.valueName) }
        return text
    }

    static func positionalForm(_ positional: PositionalSpec) -> String {
        let base = italic(positional.name) + (positional.variadic ? "\\&..." : "")
        return positional.optional ? "[\(base)]" : base
    }

    /// A member of an exclusive or one-of group as the reader types it: a
    /// positional by its name in italics, an option as `--name` in bold.
    static func groupMember(_ name: String, _ node: CommandNode) -> String {
        node.positionals.contains { $0.name == name } ? italic(name) : bold("--\(name)")
    }

    /// One verb's synopsis: its path, its positionals, the options one of which
    /// is required, required options, then every other option in brackets
    /// (options that exclude each other share a bracket). A positional in a
    /// one-of group stands, in its place, as that group (`(TEXT | --stdin)`),
    /// as `--help` writes it.
    static func synopsis(_ path: [String], _ node: CommandNode, full: Bool = true) -> String {
        var parts = [bold((["socializer"] + path).joined(separator: " "))]
        var used = Set<String>()
        let byName = Dictionary(node.options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let group = { (names: [String]) in
            "(" + names.map { name in byName[name].map { optionForm($0, withShort: false) } ?? italic(name) }.joined(separator: " | ") + ")"
        }
        for positional in node.positionals {
            if let names = node.requireOneOf.first(where: { $0.contains(positional.name) }) {
                parts.append(group(names))
                used.formUnion(names)
            } else {
                parts.append(positionalForm(positional))
            }
        }
        for names in node.requireOneOf where !names.contains(where: used.contains) {
            parts.append(group(names))
            used.formUnion(names)
        }
        for option in node.options where option.required && !used.contains(option.name) {
            parts.append(optionForm(option, withShort: false))
            used.insert(option.name)
        }
        if full {
            for option in node.options where !used.contains(option.name) {
                let group = node.exclusive.first { $0.contains(option.name) && $0.allSatisfy { !used.contains($0) && byName[$0] != nil } }
                let members = (group ?? [option.name]).compactMap { byName[$0] }
                parts.append("[" + members.map { optionForm($0, withShort: false) + ($0.repeatable ? "\\&..." : "") }.joined(separator: " | ") + "]")
                used.formUnion(members.map(\.name))
            }
        } else if node.options.contains(where: { !used.contains($0.name) }) {
            parts.append("[" + italic("options") + "]")
        }
        return parts.joined(separator: " ")
    }

    /// The verb's positionals and options, one tagged paragraph each.
    static func options(_ path: [String], _ node: CommandNode) -> String {
        var lines: [String] = []
        for positional in node.positionals {
            lines += [".TP", italic(positional.name) + (positional.variadic ? "\\&..." : "")]
            lines.append(line(roff(positional.help)))
            switch positional.type {
            case .string: break
            default: lines.append(line(roff("Accepts " + positional.type.acceptedForm + ".")))
            }
            lines += groupRules(positional.name, node)
            if positional.optional && !node.requireOneOf.contains(where: { $0.contains(positional.name) }) {
                lines.append("Optional.")
            }
        }
        for option in node.options {
            lines += [".TP", optionForm(option, withShort: true)]
            lines.append(line(roff(option.help)))
            switch option.type {
            case .flag, .string: break
            default: lines.append(line(roff("Accepts " + option.type.acceptedForm + ".")))
            }
            if let value = option.defaultValue { lines.append(line("Default: " + bold(value) + ".")) }
            if option.required { lines.append("Required.") }
            if option.repeatable { lines.append("May be given more than once.") }
            lines += groupRules(option.name, node)
        }
        if lines.isEmpty {
            lines = [".PP", "No options besides the global ones (see", ".BR socializer (1))."]
        }
        return lines.joined(separator: "\n")
    }

    /// "Not with …" and "One of … is required." for an option or positional in a group.
    static func groupRules(_ name: String, _ node: CommandNode) -> [String] {
        var lines: [String] = []
        let excluded = node.exclusive.filter { $0.contains(name) }.flatMap { $0 }.filter { $0 != name }
        if !excluded.isEmpty {
            lines.append(line("Not with " + excluded.map { groupMember($0, node) }.joined(separator: ", ") + "."))
        }
        if let group = node.requireOneOf.first(where: { $0.contains(name) }) {
            lines.append(line("One of " + group.map { groupMember($0, node) }.joined(separator: ", ") + " is required."))
        }
        return lines
    }

    /// The page's SYNOPSIS: one line per verb below the command.
    static func pageSynopsis(_ command: CommandNode) -> String {
        command.leaves().map { leaf in
            synopsis([command.name] + leaf.path, leaf.node, full: leaf.path.isEmpty)
        }.joined(separator: "\n.br\n")
    }

    /// Every generated block: the marker's key (`SYNOPSIS users create`) and its content.
    static func blocks() -> [String: String] {
        var blocks: [String: String] = [:]
        for command in CommandTable.root.children where command.name != "help" {
            blocks["SYNOPSIS \(command.name)"] = pageSynopsis(command)
            for (path, leaf) in command.leaves() {
                let full = [command.name] + path
                let key = full.joined(separator: " ")
                if !path.isEmpty { blocks["SYNOPSIS \(key)"] = synopsis(full, leaf) }
                blocks["OPTIONS \(key)"] = options(full, leaf)
            }
        }
        return blocks
    }

    struct Mismatch: Error, CustomStringConvertible {
        var description: String
    }

    /// The page with every generated block rewritten, and the keys of the
    /// blocks that changed; unknown markers and unclosed blocks are errors.
    static func rewrite(_ page: String, blocks: [String: String]) throws -> (text: String, changed: [String], keys: [String]) {
        var output: [Substring] = []
        var changed: [String] = []
        var keys: [String] = []
        var current: (key: String, lines: [Substring])?
        for line in page.split(separator: "\n", omittingEmptySubsequences: false) {
            if var open = current {
                if line == end {
                    let wanted = blocks[open.key] ?? ""
                    if open.lines.joined(separator: "\n") != wanted { changed.append(open.key) }
                    if !wanted.isEmpty { output.append(Substring(wanted)) }
                    output.append(line)
                    current = nil
                } else {
                    open.lines.append(line)
                    current = open
                }
                continue
            }
            output.append(line)
            if line.hasPrefix(beginPrefix) {
                let key = String(line.dropFirst(beginPrefix.count))
                guard blocks[key] != nil else { throw Mismatch(description: "unknown generated block '\(key)'") }
                keys.append(key)
                current = (key, [])
            }
        }
        if let open = current { throw Mismatch(description: "generated block '\(open.key)' has no END marker") }
        return (output.joined(separator: "\n"), changed, keys)
    }
}
