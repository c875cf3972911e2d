import Foundation
import Testing
import TestSupport
@testable import SocializerCLI

/// The man pages describe every command, verb and option of the command
/// table, and are lint-clean under `groff -man -ww`.
@Suite struct ManPageTests {
    static func manFolder() -> String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/man"
    }

    /// The page's text with roff escapes for hyphens undone.
    static func page(_ name: String) throws -> String {
        try String(contentsOfFile: manFolder() + "/" + name, encoding: .utf8).replacingOccurrences(of: "\\-", with: "-")
    }

    @Test func everyCommandHasAPageOrASectionInTheMainPage() throws {
        let main = try Self.page("socializer.1")
        for command in CommandTable.root.children {
            #expect(main.contains(".B \(command.name)") || main.contains(".BI \(command.name)"), "\(command.name) in socializer.1")
            if command.name != "help" {
                #expect(FileManager.default.fileExists(atPath: Self.manFolder() + "/socializer-\(command.name).1"),
                        "man/socializer-\(command.name).1")
            }
        }
    }

    @Test func everyVerbAndOptionAppearsInItsCommandsPage() throws {
        for command in CommandTable.root.children where command.name != "help" {
            let text = try Self.page("socializer-\(command.name).1")
            for (path, leaf) in command.leaves() {
                if !path.isEmpty {
                    #expect(text.contains(".B \(path.joined(separator: " "))") || text.contains("socializer \(command.name) \(path.joined(separator: " "))"),
                            "verb '\(command.name) \(path.joined(separator: " "))' in socializer-\(command.name).1")
                }
                for option in leaf.options {
                    #expect(text.contains("--\(option.name)"), "--\(option.name) of '\(command.name) \(path.joined(separator: " "))'")
                }
                for positional in leaf.positionals {
                    #expect(text.contains(positional.name) || text.contains(positional.name.lowercased()),
                            "\(positional.name) of '\(command.name) \(path.joined(separator: " "))'")
                }
            }
        }
    }

    @Test func everyGlobalOptionAndExitStatusIsInTheMainPage() throws {
        let text = try Self.page("socializer.1")
        for option in GlobalOptions.specs {
            #expect(text.contains("--\(option.name)"), "--\(option.name)")
            if let short = option.short { #expect(text.contains(".BR -\(short) "), "-\(short)") }
        }
        for code in [0, 1, 64, 65, 66, 70, 73, 74, 75, 77, 78, 130] {
            #expect(text.contains(".B \(code)\n"), "exit status \(code)")
        }
    }

    @Test func pagesAreLintCleanUnderGroff() throws {
        let pages = try FileManager.default.contentsOfDirectory(atPath: Self.manFolder()).filter { $0.hasSuffix(".1") }
        #expect(pages.count >= 4)
        for page in pages {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["groff", "-man", "-ww", "-z", Self.manFolder() + "/" + page]
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            process.waitUntilExit()
            let warnings = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0 && warnings.isEmpty, "\(page): \(warnings)")
        }
    }
}
