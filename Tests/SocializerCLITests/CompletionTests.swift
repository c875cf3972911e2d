import Foundation
import Testing
import TestSupport
@testable import SocializerCLI

/// Completion is generated per command path: each test walks the whole
/// command table, so a new verb is covered without touching this file.
@Suite struct CompletionTests {
    /// One command line to complete: the words before the cursor, the word
    /// being completed, and the words expected (compared as a set).
    struct Case {
        var words: [String]
        var current: String
        var expected: Set<String>
        var label: String { (words + [current.isEmpty ? "<TAB>" : current + "<TAB>"]).joined(separator: " ") }
    }

    /// The files the completion sees: the test runs the shell in a folder
    /// holding exactly these.
    static let files: Set<String> = ["complete.script", "data.db"]

    static func expectedValue(_ completion: CompletionScripts.ValueCompletion) -> Set<String> {
        switch completion {
        case .words(let values): return Set(values)
        case .files: return files
        case .nothing: return []
        }
    }

    /// What the table says each command line completes to, for every path,
    /// every value-taking option of the verb reached, and the first positional.
    static func cases(optionWordsOnly: Bool) -> [Case] {
        var cases: [Case] = []
        for (path, node) in CompletionScripts.nodes() {
            let line = ["socializer"] + path
            // Options, verbs and the first positional's choices or files.
            var words = Set(node.children.map(\.name))
            var options = Set(CompletionScripts.allOptions(node).flatMap(CompletionScripts.optionWords))
            options.insert("--help")
            if let first = CompletionScripts.positional(node, at: 0) {
                words.formUnion(expectedValue(CompletionScripts.valueCompletion(first.type)))
            }
            if optionWordsOnly {
                cases.append(Case(words: line, current: "", expected: words))
                cases.append(Case(words: line, current: "-", expected: options))
            } else {
                cases.append(Case(words: line, current: "", expected: words.union(options)))
                // Global options before the path do not change where it leads.
                cases.append(Case(words: ["socializer", "--db", "data.db", "-q"] + path, current: "", expected: words.union(options)))
            }
            // The value of every option the verb takes: its own, else the global one.
            for option in CompletionScripts.allOptions(node) where !option.isFlag {
                cases.append(Case(words: line + ["--\(option.name)"], current: "",
                                  expected: expectedValue(CompletionScripts.valueCompletion(option.type))))
            }
            // A word after the first positional: the second positional, if any.
            if node.children.isEmpty, !node.positionals.isEmpty, !optionWordsOnly {
                var second = Set(CompletionScripts.allOptions(node).flatMap(CompletionScripts.optionWords) + ["--help"])
                if let next = CompletionScripts.positional(node, at: 1) {
                    second.formUnion(expectedValue(CompletionScripts.valueCompletion(next.type)))
                }
                cases.append(Case(words: line + ["x"], current: "", expected: second))
            }
        }
        return cases
    }

    /// Runs `script` in a folder holding `files`; returns its standard output.
    static func runScript(_ shell: String, _ script: String) throws -> String {
        let folder = TemporaryDirectory()
        let home = TemporaryDirectory()
        let file = folder.write("complete.script", script)
        _ = folder.write("data.db", "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [shell, file]
        process.currentDirectoryURL = URL(fileURLWithPath: (file as NSString).deletingLastPathComponent)
        var environment = ProcessInfo.processInfo.environment
        // The shell's own files (fish writes some) go elsewhere.
        environment["HOME"] = home.path
        environment["XDG_CONFIG_HOME"] = home.path
        environment["XDG_DATA_HOME"] = home.path
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func installed(_ program: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }

    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Checks one output line per case, each the completions separated by spaces.
    static func check(_ output: String, _ cases: [Case], shell: String) {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count >= cases.count, "\(shell): \(lines.count) lines for \(cases.count) cases")
        for (index, testCase) in cases.enumerated() where index < lines.count {
            let got = Set(lines[index].split(separator: " ").map(String.init))
            #expect(got == testCase.expected,
                    "\(shell): \(testCase.label): missing \(testCase.expected.subtracting(got).sorted()), extra \(got.subtracting(testCase.expected).sorted())")
        }
    }

    @Test func bashCompletesEachPathFromTheTable() throws {
        let script = runCLI(["completion", "bash"]).stdout
        let cases = Self.cases(optionWordsOnly: false)
        var driver = script + "\n_t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _socializer; echo \"${COMPREPLY[*]}\"; }\n"
        for testCase in cases {
            driver += "_t " + (testCase.words + [testCase.current]).map(Self.quoted).joined(separator: " ") + "\n"
        }
        // The bugs this generator fixed, spelled out.
        driver += "_t socializer migrate schema --format ''\n_t socializer tokens list --r\n_t socializer migrate st\n"
        let output = try Self.runScript("bash", driver)
        Self.check(output, cases, shell: "bash")
        let tail = output.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(cases.count).prefix(3)
        #expect(Array(tail) == ["sql dbml mermaid dot", "", "status"])
    }

    @Test func fishCompletesEachPathFromTheTable() throws {
        let script = runCLI(["completion", "fish"]).stdout
        // The text, per path (fish may not be installed).
        for (path, node) in CompletionScripts.nodes() {
            let condition = "-n '__socializer_is '\\''\(path.joined(separator: " "))'\\''"
            for child in node.children { #expect(script.contains("complete -c socializer \(condition) 0' -a \(child.name) "), "fish: \(path) \(child.name)") }
            for option in node.children.isEmpty ? node.options : [] {
                #expect(script.contains("complete -c socializer \(condition)' -l \(option.name)"), "fish: \(path) --\(option.name)")
            }
        }
        #expect(script.contains("-n 'not __socializer_is '\\''migrate schema'\\''' -l format"), "fish: global --format shadowed in migrate schema")
        guard Self.installed("fish") else { return }
        // Driven for real: fish's own `complete -C` answers for each command line.
        let cases = Self.cases(optionWordsOnly: true)
        var driver = script + "\nfunction _t\n    set -l found (complete -C $argv[1] | string replace -r '\\t.*' '')\n    echo \"$found\"\nend\n"
        for testCase in cases {
            let line = (testCase.words + [testCase.current]).joined(separator: " ")
            driver += "_t \(Self.quoted(line))\n"
        }
        driver += "_t 'socializer tokens list --r'\n"
        let output = try Self.runScript("fish", driver)
        Self.check(output, cases, shell: "fish")
        #expect(output.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(cases.count).first == "")
    }

    @Test func zshScriptCompletesEachPathFromTheTable() throws {
        let script = runCLI(["completion", "zsh"]).stdout
        #expect(script.hasPrefix("#compdef socializer\n"))
        for (path, node) in CompletionScripts.nodes() {
            let key = path.joined(separator: " ")
            guard let start = script.range(of: "        \"\(key)\")\n            entries=(") else {
                Issue.record("zsh: no case for '\(key)'"); continue
            }
            let section = String(script[start.upperBound...].prefix { $0 != "\n" })
            for child in node.children { #expect(section.contains("'\(child.name):"), "zsh: \(key) \(child.name)") }
            for option in CompletionScripts.allOptions(node) { #expect(section.contains("'--\(option.name):"), "zsh: \(key) --\(option.name)") }
            let others = node.children.isEmpty ? [] : Set(node.children.flatMap { $0.leaves().flatMap { $0.node.options.map(\.name) } })
                .subtracting(GlobalOptions.specs.map(\.name))
            for name in others { #expect(!section.contains("'--\(name):"), "zsh: \(key) offers --\(name) of a verb below it") }
            for option in node.children.isEmpty ? node.options : [] where !option.isFlag {
                #expect(script.contains("\"\(key)|--\(option.name)\")"), "zsh: value of \(key) --\(option.name)")
            }
        }
        #expect(script.contains("\"migrate schema|--format\") compadd -- sql dbml mermaid dot ;;"))
        if Self.installed("zsh") {
            let folder = TemporaryDirectory()
            let file = folder.write("_socializer", script)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["zsh", "-n", file]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "zsh -n rejects the script")
        }
    }
}
