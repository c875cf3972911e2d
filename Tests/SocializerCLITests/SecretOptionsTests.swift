import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity

/// How verbs read passwords: the one resolver every secret-taking verb uses.
@Suite struct SecretOptionsTests {
    let folder = TemporaryDirectory()

    func context(stdin: String = "", terminal: TerminalInfo = TerminalInfo(), prompt: TerminalPrompt? = nil) throws -> CommandContext {
        let globals = try GlobalOptions(arguments: ParsedArguments(path: [], values: [:]), environment: [:], terminal: terminal)
        return CommandContext(environment: [:], stdin: BytesInput(stdin), stdout: TextBuffer(), stderr: TextBuffer(),
                              terminal: terminal, clock: FixedClock(testNow), globals: globals, path: [], prompt: prompt)
    }

    func read(_ values: [String: ArgumentValue], stdin: String = "", purpose: SecretOptions.Purpose = .new) throws -> [UInt8] {
        try SecretOptions.readPassword(context(stdin: stdin), ParsedArguments(path: [], values: values), purpose: purpose)
    }

    @Test func stdinGivesItsFirstLineWithOneLineBreakStripped() throws {
        #expect(try read(["password-stdin": .flag], stdin: "hunter2\n") == Array("hunter2".utf8))
        #expect(try read(["password-stdin": .flag], stdin: "hunter2\r\nrest\n") == Array("hunter2".utf8))
        #expect(try read(["password-stdin": .flag], stdin: " spaced  \n") == Array(" spaced  ".utf8))
        #expect(try read(["password-stdin": .flag], stdin: "no-newline") == Array("no-newline".utf8))
    }

    @Test func newPasswordsAreCheckedWhateverTheirSource() throws {
        let cases: [(String, String)] = [
            ("\n", "the password is empty"),
            (String(repeating: "a", count: 73) + "\n", "the password is 73 bytes long; bcrypt uses at most 72 bytes and socializer never truncates"),
            (String(repeating: "a", count: 71) + "é\n", "the password is 73 bytes long; bcrypt uses at most 72 bytes and socializer never truncates"),
            ("a\u{0}b\n", "the password contains a NUL byte, which bcrypt cannot hash"),
        ]
        for (input, message) in cases {
            #expect(throws: SocializerError.invalid(message)) { try read(["password-stdin": .flag], stdin: input) }
        }
        #expect { try read(["password-stdin": .flag]) } throws: {
            ($0 as? SocializerError)?.message == "standard input is empty; expected the password on its first line"
        }
        let invalidUTF8 = BytesInput([0x61, 0xFF, 0x0A])
        let globals = try GlobalOptions(arguments: ParsedArguments(path: [], values: [:]), environment: [:], terminal: TerminalInfo())
        let raw = CommandContext(environment: [:], stdin: invalidUTF8, stdout: TextBuffer(), stderr: TextBuffer(), terminal: TerminalInfo(),
                                 clock: FixedClock(testNow), globals: globals, path: [], prompt: nil)
        #expect(throws: SocializerError.invalid("the password is not valid UTF-8")) {
            try SecretOptions.readPassword(raw, ParsedArguments(path: [], values: ["password-stdin": .flag]), purpose: .new)
        }
        // A password to check is not held to the rules for new ones.
        #expect(try read(["password-stdin": .flag], stdin: String(repeating: "a", count: 80) + "\n", purpose: .check).count == 80)
    }

    @Test func filesMustBePrivateUnlessToldOtherwise() throws {
        let path = folder.write("pw", "from-a-file\n")
        chmod(path, 0o640)
        #expect { try read(["password-file": .string(path)]) } throws: {
            let e = $0 as? SocializerError
            return e?.code == .permissionDenied && e?.message.contains("--password-file") == true
        }
        #expect(try read(["password-file": .string(path), "insecure-file-ok": .flag]) == Array("from-a-file".utf8))
        chmod(path, 0o600)
        #expect(try read(["password-file": .string(path)]) == Array("from-a-file".utf8))
    }

    @Test func withoutASourceOrATerminalItIsAUsageError() throws {
        #expect { try read([:]) } throws: { error in
            let e = error as? SocializerError
            return e?.code == .usage && e?.message == "no password given, and standard input is not a terminal to ask on"
                && e?.hint?.contains("--password-stdin") == true
        }
    }

    @Test func theSourcesAreDeclaredOnceWithTheirConflicts() {
        #expect(SecretOptions.password.map(\.optionSpec.name) == ["password-stdin", "password-file", "insecure-file-ok"])
        #expect(SecretOptions.passwordExclusive == [["password-stdin", "password-file"]])
        #expect(!SecretOptions.password.contains { $0.optionSpec.name == "password" })
    }
}
