import SocializerCore

/// `socializer help [COMMAND [VERB]]`.
enum HelpCommand {
    static let node = CommandNode(
        "help", summary: "Show help for a command or verb.",
        positionals: [topic],
        examples: ["socializer help migrate up"],
        output: OutputCheck.text, action: run).withoutDatabase()

    static let topic = Positional.variadic("TOPIC", optional: true, help: "A command, and optionally a verb.")

    static func run(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        let topic = arguments[topic]
        var node = CommandTable.root
        var path: [String] = []
        for name in topic {
            guard let next = node.child(name) else {
                let names = node.children.map(\.name)
                let hint = Suggestions.closest(to: name, among: names).map { "did you mean '\($0)'?" }
                    ?? "choose one of: " + names.joined(separator: ", ")
                throw UsageError(message: "no help for '\((path + [name]).joined(separator: " "))'", hint: hint, path: path)
            }
            node = next
            path.append(name)
        }
        context.stdout.write(HelpText.render(path, node, width: min(context.terminal.width ?? 80, 100)))
        return .success
    }
}
