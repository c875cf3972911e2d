import Foundation
import Testing
import TestSupport
@testable import SocializerCLI

@Suite struct CompletionTests {
    @Test func bashScriptIsValidAndCompletesFromTheTable() throws {
        let script = runCLI(["completion", "bash"]).stdout
        for (path, node) in CompletionScripts.nodes() where !path.isEmpty {
            #expect(script.contains("\"\(path.joined(separator: " "))\")"), "\(path)")
            for option in node.children.isEmpty ? node.options : [] {
                #expect(script.contains("--\(option.name)"), "--\(option.name)")
            }
        }
        // Source it and ask for completions the way bash would.
        let folder = TemporaryDirectory()
        let file = folder.write("complete.bash", script + """

            COMP_WORDS=(socializer migrate st); COMP_CWORD=2; _socializer; echo "${COMPREPLY[@]}"
            COMP_WORDS=(socializer --format j); COMP_CWORD=2; _socializer; echo "${COMPREPLY[@]}"
            COMP_WORDS=(socializer migrate up --no); COMP_CWORD=3; _socializer; echo "${COMPREPLY[@]}"
            """)
        let output = try Self.run("/bin/bash", [file])
        #expect(output == "status\njson jsonl\n--no-backup --no-header\n")
    }

    @Test func zshAndFishScriptsNameEveryVerb() {
        let zsh = runCLI(["completion", "zsh"]).stdout
        let fish = runCLI(["completion", "fish"]).stdout
        #expect(zsh.hasPrefix("#compdef socializer\n"))
        for (path, node) in CompletionScripts.nodes() where !path.isEmpty {
            #expect(zsh.contains("'\(node.name):"), "zsh \(path)")
            #expect(fish.contains("-a \(node.name) "), "fish \(path)")
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
