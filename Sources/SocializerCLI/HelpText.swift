import SocializerCore

/// Help and usage text, generated from the command table.
enum HelpText {
    static func usageLine(_ path: [String], _ node: CommandNode) -> String {
        var parts = ["socializer"] + (path.isEmpty ? ["[global options]", "<command>"] : path)
        if !path.isEmpty && !node.children.isEmpty {
            parts.append("<verb>")
        }
        if node.children.isEmpty && !path.isEmpty {
            let group = { (names: [String]) in
                "(" + names.map { name in node.options.first { $0.name == name }?.synopsis ?? name }.joined(separator: " | ") + ")"
            }
            // Positionals in their order; one in a one-of group stands as that group ("ROOM (TEXT | --stdin)").
            for positional in node.positionals {
                if let names = node.requireOneOf.first(where: { $0.contains(positional.name) }) {
                    parts.append(group(names))
                } else {
                    parts.append(positional.synopsis)
                }
            }
            for option in node.options where option.required { parts.append(option.synopsis) }
            for names in node.requireOneOf where !names.contains(where: { name in node.positionals.contains { $0.name == name } }) {
                parts.append(group(names))
            }
            let optional = node.options.filter { option in
                !option.required && !node.requireOneOf.contains { $0.contains(option.name) }
            }
            if !optional.isEmpty { parts.append("[options]") }
        } else if !path.isEmpty {
            parts.append("[arguments] [options]")
        }
        return parts.joined(separator: " ")
    }

    static func render(_ path: [String], _ node: CommandNode, width: Int = 80) -> String {
        var out = ""
        let title = (["socializer"] + path).joined(separator: " ")
        out += "\(title) — \(node.summary)\n\n"
        out += "Usage: \(usageLine(path, node))\n"
        if let discussion = node.discussion {
            out += "\n" + wrap(discussion, width: width, indent: 0) + "\n"
        }
        if !node.children.isEmpty {
            out += "\n" + (path.isEmpty ? "Commands" : "Verbs") + ":\n"
            out += table(node.children.map { ($0.name, $0.summary) }, width: width)
        }
        if !node.positionals.isEmpty {
            out += "\nArguments:\n"
            out += table(node.positionals.map { ($0.synopsis, $0.help) }, width: width)
        }
        if !node.options.isEmpty {
            out += "\nOptions:\n"
            out += table(node.options.map { ($0.synopsis, describe($0)) }, width: width)
        }
        out += "\nGlobal options:\n"
        out += table(GlobalOptions.specs.map { ($0.synopsis, describe($0)) }
                     + [("-h, --help", "Show help."), ("--version", "Print the version.")], width: width)
        if !node.examples.isEmpty {
            out += "\nExamples:\n" + node.examples.map { "  \($0)\n" }.joined()
        }
        if path.isEmpty {
            out += "\nRun 'socializer help <command>' or 'socializer <command> --help' for more; "
                + "exit statuses are listed in socializer(1).\n"
        }
        return out
    }

    static func describe(_ option: OptionSpec) -> String {
        var text = option.help
        if let value = option.defaultValue { text += " (default: \(value))" }
        if option.required { text += " (required)" }
        return text
    }

    static func table(_ rows: [(String, String)], width: Int) -> String {
        let left = min(30, (rows.map(\.0.count).max() ?? 0) + 2)
        var out = ""
        for (term, text) in rows {
            let wrapped = wrap(text, width: width, indent: left + 2).dropFirst(left + 2)
            if term.count + 2 > left {
                out += "  \(term)\n" + String(repeating: " ", count: left + 2) + wrapped + "\n"
            } else {
                out += "  " + term + String(repeating: " ", count: left - term.count) + wrapped + "\n"
            }
        }
        return out
    }

    /// Greedy word wrap; the first line is indented like the rest.
    static func wrap(_ text: String, width: Int, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = pad
            for word in paragraph.split(separator: " ") {
                if line.count > indent && line.count + 1 + word.count > width {
                    lines.append(line)
                    line = pad
                }
                line += (line.count > indent ? " " : "") + word
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
