import SocializerCore

/// `socializer completion bash|zsh|fish`: scripts generated from the table.
enum CompletionCommand {
    static let node = CommandNode(
        "completion", summary: "Print a shell completion script (bash, zsh or fish).",
        positionals: [shell],
        examples: [
            "socializer completion bash > /etc/bash_completion.d/socializer",
            "socializer completion zsh > \"${fpath[1]}/_socializer\"",
            "socializer completion fish > ~/.config/fish/completions/socializer.fish",
        ],
        output: OutputCheck.text, action: run).withoutDatabase()

    static let shell = Positional.string("SHELL", .choice(["bash", "zsh", "fish"]), help: "The shell to complete for.")

    static func run(_ context: CommandContext, _ arguments: ParsedArguments) throws -> ExitCode {
        switch arguments[shell] {
        case "bash": context.stdout.write(CompletionScripts.bash())
        case "zsh": context.stdout.write(CompletionScripts.zsh())
        default: context.stdout.write(CompletionScripts.fish())
        }
        return .success
    }
}

/// Every node of the table with its path, and what each path completes, for
/// the generators. Completion is per command path: after `migrate schema`
/// the options are that verb's own (its `--format` shadows the global one)
/// plus the global options it does not shadow; after a command that has
/// verbs, only the verbs and the global options.
enum CompletionScripts {
    static func nodes(_ node: CommandNode = CommandTable.root, path: [String] = []) -> [(path: [String], node: CommandNode)] {
        [(path, node)] + node.children.flatMap { nodes($0, path: path + [$0.name]) }
    }

    /// The options accepted at this node: its own (verbs only), then the
    /// global options it does not redeclare.
    static func allOptions(_ node: CommandNode) -> [OptionSpec] {
        let own = node.children.isEmpty ? node.options : []
        let names = Set(own.map(\.name))
        return own + GlobalOptions.specs.filter { !names.contains($0.name) }
    }

    static func optionWords(_ option: OptionSpec) -> [String] {
        ["--\(option.name)"] + (option.short.map { ["-\($0)"] } ?? [])
    }

    /// What completes the value of an option or a positional.
    enum ValueCompletion: Equatable {
        case words([String])
        case files
        case nothing
    }

    static func valueCompletion(_ type: ValueType) -> ValueCompletion {
        switch type {
        case .choice(let values): return .words(values)
        case .path: return .files
        default: return .nothing
        }
    }

    /// The positional at `index` (counting the words after the path), if any.
    static func positional(_ node: CommandNode, at index: Int) -> PositionalSpec? {
        guard node.children.isEmpty else { return nil }
        if index < node.positionals.count { return node.positionals[index] }
        if let last = node.positionals.last, last.variadic { return last }
        return nil
    }

    /// The words offered at a path when not completing an option's value:
    /// verbs, options, `--help`, and the choices of the first positional.
    static func words(_ node: CommandNode, positionalIndex: Int = 0) -> [String] {
        var words = node.children.map(\.name) + allOptions(node).flatMap(optionWords) + ["--help"]
        if let positional = positional(node, at: positionalIndex), case .words(let values) = valueCompletion(positional.type) {
            words += values
        }
        return words
    }

    static func shellWord(_ text: String) -> String { "'" + text.replacingAll("'", with: "'\\''") + "'" }

    // MARK: Shared by bash and zsh

    /// The case arms both shells share: which option words take a value
    /// (`takesValue`), and how each value completes (`values`, rendered per
    /// shell). A verb's own options come first, keyed by its path, so that
    /// they shadow the global ones (`migrate schema --format`).
    static func optionCases(indent: String, _ render: (ValueCompletion) -> String) -> (takesValue: String, values: String) {
        var takesValue = "", values = ""
        func add(_ option: OptionSpec, _ pattern: (String) -> String) {
            let patterns = optionWords(option).map(pattern).joined(separator: "|")
            takesValue += "        \(patterns)) return \(option.isFlag ? 1 : 0) ;;\n"
            if !option.isFlag { values += "\(indent)\(patterns)) \(render(valueCompletion(option.type))) ;;\n" }
        }
        for (path, node) in nodes() where node.children.isEmpty {
            let key = path.joined(separator: " ")
            for option in node.options { add(option) { "\"\(key)|\($0)\"" } }
        }
        for option in GlobalOptions.specs { add(option) { "*\"|\($0)\"" } }
        return (takesValue, values)
    }

    /// A verb's positionals by place: `words` offers choices, `files` file names.
    static func positionalCases(_ node: CommandNode, words: ([String]) -> String, files: String) -> String {
        var cases = ""
        for (index, positional) in node.positionals.enumerated() where node.children.isEmpty {
            let test = positional.variadic ? "npos >= \(index)" : "npos == \(index)"
            switch valueCompletion(positional.type) {
            case .words(let values): cases += "            if ((\(test))); then \(words(values)); fi\n"
            case .files: cases += "            if ((\(test))); then \(files); fi\n"
            case .nothing: break
            }
        }
        return cases
    }

    // MARK: bash

    static func bash() -> String {
        let all = nodes()
        let (takesValue, valueCases) = optionCases(indent: "        ") { bashValue($0) }
        var wordCases = ""
        for (path, node) in all {
            let key = path.joined(separator: " ")
            wordCases += "        \"\(key)\")\n            words=\"\(words(node).filter { w in !(positional(node, at: 0).map { p in valueWords(p).contains(w) } ?? false) }.joined(separator: " "))\"\n"
            wordCases += positionalCases(node, words: { "words=\"$words \($0.joined(separator: " "))\"" }, files: "files=1")
            wordCases += "            ;;\n"
        }
        return """
            # bash completion for socializer (generated by: socializer completion bash)
            _socializer() {
                local cur path word i skip option npos files words
                cur="${COMP_WORDS[COMP_CWORD]}"
                path=""; skip=0; option=""; npos=0; files=0
                for ((i = 1; i < COMP_CWORD; i++)); do
                    word="${COMP_WORDS[i]}"
                    if ((skip)); then
                        [[ $word == "=" ]] || skip=0
                        continue
                    fi
                    case "$word" in
                        --*=*) ;;
                        -?*) if _socializer_takes_value "$path" "$word"; then skip=1; option="$word"; fi ;;
                        *) if [[ $npos == 0 ]] && _socializer_has "${path:+$path }$word"; then
                               path="${path:+$path }$word"
                           else
                               npos=$((npos + 1))
                           fi ;;
                    esac
                done
                if ((skip)); then
                    [[ $cur == "=" ]] && cur=""
                    case "$path|$option" in
            \(valueCases)            *) COMPREPLY=() ;;
                    esac
                    return
                fi
                words=""
                case "$path" in
            \(wordCases)        esac
                COMPREPLY=($(compgen -W "$words" -- "$cur"))
                if ((files)) && [[ $cur != -* ]]; then COMPREPLY+=($(compgen -f -- "$cur")); fi
            }
            _socializer_takes_value() {
                case "$1|$2" in
            \(takesValue)    esac
                return 1
            }
            _socializer_has() {
                case "$1" in
                    \(all.dropFirst().map { "\"\($0.path.joined(separator: " "))\"" }.joined(separator: "|"))) return 0 ;;
                esac
                return 1
            }
            complete -F _socializer socializer

            """
    }

    static func valueWords(_ positional: PositionalSpec) -> [String] {
        if case .words(let values) = valueCompletion(positional.type) { return values }
        return []
    }

    static func bashValue(_ completion: ValueCompletion) -> String {
        switch completion {
        case .words(let values): return "COMPREPLY=($(compgen -W \"\(values.joined(separator: " "))\" -- \"$cur\"))"
        case .files: return "COMPREPLY=($(compgen -f -- \"$cur\"))"
        case .nothing: return "COMPREPLY=()"
        }
    }

    // MARK: zsh

    static func zsh() -> String {
        let all = nodes()
        let (takesValue, valueCases) = optionCases(indent: "            ") { zshValue($0) }
        var wordCases = ""
        for (path, node) in all {
            let key = path.joined(separator: " ")
            var entries = node.children.map { "'\($0.name):\(escape($0.summary))'" }
            entries += allOptions(node).flatMap { option in optionWords(option).map { "'\($0):\(escape(option.help))'" } }
            entries.append("'--help:Show help.'")
            wordCases += "        \"\(key)\")\n            entries=(\(entries.joined(separator: " ")))\n"
            wordCases += positionalCases(node, words: { "compadd -- \($0.joined(separator: " "))" }, files: "_files")
            wordCases += "            ;;\n"
        }
        return """
            #compdef socializer
            # zsh completion for socializer (generated by: socializer completion zsh)
            _socializer_takes_value() {
                case "$1|$2" in
            \(takesValue)    esac
                return 1
            }
            _socializer() {
                local path_ word skip=0 option="" npos=0
                local -a known entries
                known=(\(all.dropFirst().map { "'\($0.path.joined(separator: " "))'" }.joined(separator: " ")))
                path_=""
                for word in "${(@)words[2,CURRENT-1]}"; do
                    if (( skip )); then skip=0; continue; fi
                    case "$word" in
                        --*=*) ;;
                        -?*) if _socializer_takes_value "$path_" "$word"; then skip=1; option="$word"; fi ;;
                        *) if (( npos == 0 && ${known[(Ie)${path_:+$path_ }$word]} )); then
                               path_="${path_:+$path_ }$word"
                           else
                               (( npos++ ))
                           fi ;;
                    esac
                done
                if (( skip )); then
                    case "$path_|$option" in
            \(valueCases)        esac
                    return
                fi
                case "$path_" in
            \(wordCases)    esac
                _describe -t words 'socializer' entries
            }
            _socializer "$@"

            """
    }

    static func zshValue(_ completion: ValueCompletion) -> String {
        switch completion {
        case .words(let values): return "compadd -- \(values.joined(separator: " "))"
        case .files: return "_files"
        case .nothing: return "_message 'value'"
        }
    }

    // MARK: fish

    static func fish() -> String {
        let all = nodes()
        var takesValue: [String] = []
        var globalTakesValue: [String] = []
        for (path, node) in all {
            let key = path.joined(separator: " ")
            for option in node.children.isEmpty ? node.options : [] {
                takesValue.append("        case \(optionWords(option).map { shellWord("\(key)|\($0)") }.joined(separator: " "))\n            return \(option.isFlag ? 1 : 0)")
            }
        }
        for option in GlobalOptions.specs {
            globalTakesValue.append("        case \(optionWords(option).map { shellWord("*|\($0)") }.joined(separator: " "))\n            return \(option.isFlag ? 1 : 0)")
        }
        var lines = [
            "# fish completion for socializer (generated by: socializer completion fish)",
            "function __socializer_takes_value",
            "    switch \"$argv[1]|$argv[2]\"",
        ] + takesValue + globalTakesValue + [
            "    end",
            "    return 1",
            "end",
            "function __socializer_state",
            "    # Prints the command path reached, then how many positionals follow it.",
            "    set -l known \(all.dropFirst().map { shellWord($0.path.joined(separator: " ")) }.joined(separator: " "))",
            "    set -l tokens (commandline -opc)",
            "    set -e tokens[1]",
            "    set -l path ''",
            "    set -l skip 0",
            "    set -l npos 0",
            "    for word in $tokens",
            "        if test $skip = 1",
            "            set skip 0",
            "            continue",
            "        end",
            "        switch $word",
            "            case '--*=*'",
            "            case '-?*'",
            "                if __socializer_takes_value \"$path\" $word",
            "                    set skip 1",
            "                end",
            "            case '*'",
            "                set -l next (string trim -- \"$path $word\")",
            "                if test $npos = 0; and contains -- $next $known",
            "                    set path $next",
            "                else",
            "                    set npos (math $npos + 1)",
            "                end",
            "        end",
            "    end",
            "    echo $path",
            "    echo $npos",
            "end",
            "function __socializer_is",
            "    # __socializer_is PATH [POSITIONAL-INDEX [variadic]]",
            "    set -l state (__socializer_state)",
            "    test \"$state[1]\" = \"$argv[1]\"; or return 1",
            "    test (count $argv) -lt 2; and return 0",
            "    test (count $argv) -ge 3; and test $state[2] -ge $argv[2]; and return 0",
            "    test $state[2] = $argv[2]",
            "end",
            "complete -c socializer -f",
        ]
        func condition(_ path: [String], _ extra: String = "") -> String {
            "-n " + shellWord("__socializer_is " + shellWord(path.joined(separator: " ")) + extra)
        }
        func optionLine(_ option: OptionSpec, _ conditionText: String) -> String {
            var line = "complete -c socializer \(conditionText)-l \(option.name)"
            if let short = option.short { line += " -s \(short)" }
            switch valueCompletion(option.type) {
            case .words(let values): line += " -xa " + shellWord(values.joined(separator: " "))
            case .files: line += " -rF"
            case .nothing: if !option.isFlag { line += " -x" }
            }
            return line + " -d " + shellWord(escape(option.help))
        }
        for option in GlobalOptions.specs {
            // Not offered where a verb declares an option of the same name.
            let shadowing = all.filter { $0.node.children.isEmpty && $0.node.options.contains { $0.name == option.name } }
            let conditionText = shadowing.isEmpty ? "" : "-n " + shellWord(shadowing.map { "not __socializer_is " + shellWord($0.path.joined(separator: " ")) }.joined(separator: "; and ")) + " "
            lines.append(optionLine(option, conditionText))
        }
        lines.append("complete -c socializer -l help -d 'Show help.'")
        for (path, node) in all {
            for child in node.children {
                lines.append("complete -c socializer \(condition(path, " 0")) -a \(child.name) -d \(shellWord(escape(child.summary)))")
            }
            guard node.children.isEmpty else { continue }
            for option in node.options { lines.append(optionLine(option, condition(path) + " ")) }
            for (index, positional) in node.positionals.enumerated() {
                let extra = " \(index)" + (positional.variadic ? " variadic" : "")
                switch valueCompletion(positional.type) {
                case .words(let values): lines.append("complete -c socializer \(condition(path, extra)) -a \(shellWord(values.joined(separator: " "))) -d \(shellWord(escape(positional.help)))")
                case .files: lines.append("complete -c socializer \(condition(path, extra)) -F")
                case .nothing: break
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingAll("'", with: "").replacingAll("[", with: "(").replacingAll("]", with: ")")
            .replacingAll(":", with: " -")
    }
}
