import Foundation
import Testing
import TestSupport
@testable import SocializerCLI

/// The man pages describe every command, verb and option of the command
/// table, and are lint-clean under `groff -man -ww`. Each verb's SYNOPSIS
/// and OPTIONS are generated from the table (see `ManPageGenerator`):
///
///     SOCIALIZER_REGENERATE_MAN=1 swift test --filter ManPageTests
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

    /// The generated SYNOPSIS and OPTIONS blocks are what the table produces
    /// now; with SOCIALIZER_REGENERATE_MAN=1 they are rewritten instead.
    @Test func generatedBlocksMatchTheTable() throws {
        let regenerate = ProcessInfo.processInfo.environment["SOCIALIZER_REGENERATE_MAN"] == "1"
        let blocks = ManPageGenerator.blocks()
        var found = Set<String>()
        for command in CommandTable.root.children where command.name != "help" {
            let file = Self.manFolder() + "/socializer-\(command.name).1"
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let result = try ManPageGenerator.rewrite(text, blocks: blocks)
            for key in result.keys {
                #expect(!found.contains(key), "generated block '\(key)' appears twice")
                found.insert(key)
            }
            if regenerate {
                if result.text != text { try result.text.write(toFile: file, atomically: true, encoding: .utf8) }
            } else {
                #expect(result.changed.isEmpty, """
                    man/socializer-\(command.name).1: generated blocks differ from the command table: \(result.changed.joined(separator: ", ")). \
                    Regenerate them with: SOCIALIZER_REGENERATE_MAN=1 swift test --filter ManPageTests
                    """)
            }
        }
        for key in blocks.keys.sorted() where !found.contains(key) {
            Issue.record("no generated block '\(key)' in the man pages: add the markers .\\\" BEGIN GENERATED \(key) and .\\\" END GENERATED to its section, then regenerate with SOCIALIZER_REGENERATE_MAN=1 swift test --filter ManPageTests")
        }
    }

    /// A verb's own section of its command's page: from its `.SS` heading to
    /// the next heading; a command without verbs is its whole page.
    static func section(_ page: String, verb path: [String]) -> String? {
        if path.isEmpty { return page }
        let name = path.joined(separator: " ")
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0 == ".SS \(name)" || $0 == ".SS \"\(name)\"" }) else { return nil }
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { $0.hasPrefix(".SS ") || $0.hasPrefix(".SH ") } ?? lines.endIndex
        return lines[start..<end].joined(separator: "\n")
    }

    /// `--name` as a whole option name (`--email` is not in `--email-key-file`).
    static func mentions(_ text: String, option name: String) -> Bool {
        var rest = text[...]
        while let range = rest.range(of: "--\(name)") {
            let next = rest[range.upperBound...].first
            if next == nil || !(next!.isLetter || next!.isNumber || next! == "-") { return true }
            rest = rest[range.upperBound...]
        }
        return false
    }

    @Test func everyVerbsSectionHasItsBlocksOptionsAndPositionals() throws {
        for command in CommandTable.root.children where command.name != "help" {
            let raw = try String(contentsOfFile: Self.manFolder() + "/socializer-\(command.name).1", encoding: .utf8)
            let page = raw.replacingOccurrences(of: "\\-", with: "-")
            for (path, leaf) in command.leaves() {
                let key = ([command.name] + path).joined(separator: " ")
                guard let section = Self.section(page, verb: path) else {
                    Issue.record("socializer-\(command.name).1 has no section .SS \(path.joined(separator: " ")) for '\(key)'")
                    continue
                }
                if !path.isEmpty {
                    #expect(section.contains(ManPageGenerator.beginPrefix + "SYNOPSIS \(key)\n"), "'\(key)': its synopsis block is not in its section")
                }
                #expect(section.contains(ManPageGenerator.beginPrefix + "OPTIONS \(key)\n"), "'\(key)': its options block is not in its section")
                for option in leaf.options {
                    #expect(Self.mentions(section, option: option.name), "--\(option.name) of '\(key)' is not in its section")
                }
                for positional in leaf.positionals {
                    #expect(section.contains(positional.name), "\(positional.name) of '\(key)' is not in its section")
                }
            }
        }
    }

    /// The generated reference reads as `--help` does: a positional in a
    /// one-of group stands as that group in the synopsis, and is never
    /// written as an option.
    @Test func positionalsInGroupsAreWrittenAsHelpWritesThem() {
        let plain = { (roff: String) in
            roff.replacingAll("\\fB", with: "").replacingAll("\\fI", with: "").replacingAll("\\fR", with: "")
                .replacingAll("\\-", with: "-").replacingAll("\\&", with: "")
        }
        var grouped = 0
        for command in CommandTable.root.children where command.name != "help" {
            for (path, leaf) in command.leaves() {
                let full = [command.name] + path
                let options = plain(ManPageGenerator.options(full, leaf))
                for positional in leaf.positionals {
                    #expect(!options.contains("--\(positional.name)"), "\(full): --\(positional.name)")
                }
                for names in leaf.requireOneOf where names.contains(where: { name in leaf.positionals.contains { $0.name == name } }) {
                    grouped += 1
                    let group = HelpText.usageLine(full, leaf).split(separator: " ").joined(separator: " ")
                    let written = "(" + names.map { name in leaf.options.first { $0.name == name }?.synopsis ?? name }
                        .joined(separator: " | ") + ")"
                    #expect(group.contains(written))
                    #expect(plain(ManPageGenerator.synopsis(full, leaf)).contains(written), "\(full)")
                    let typed = names.map { name in leaf.positionals.contains { $0.name == name } ? name : "--" + name }
                    #expect(options.contains("One of " + typed.joined(separator: ", ") + " is required."), "\(full)")
                }
            }
        }
        // rooms messages post and edit, rooms general post, tokens revoke and check, seed.
        #expect(grouped == 6)
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
