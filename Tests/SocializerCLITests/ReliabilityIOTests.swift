#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// Runs in process with real file-descriptor streams.
func runCLI(_ arguments: [String], environment: [String: String], stdin: ByteInput,
            stdout: TextOutput) -> (status: Int32, stderr: String) {
    let err = TextBuffer()
    let status = CommandLineTool.run(arguments: arguments, environment: environment, stdin: stdin, stdout: stdout,
                                     stderr: err, terminal: TerminalInfo(), clock: FixedClock(testNow))
    return (status, err.text)
}

/// Issue 10, "output errors are errors".
@Suite struct OutputErrorTests {
    let f = UsersFixture()
    init() {
        for i in 0..<3 { f.create("user\(i)") }
    }

    @Test func aFullDiskIsExit74WithAMessage() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let out = FileDescriptorOutput(fd: fd)
        let before = f.folder.snapshot()
        let result = runCLI(["--db", f.db, "users", "export"], environment: f.environment, stdin: BytesInput(), stdout: out)
        #expect(f.folder.snapshot() == before)
        #expect(result.status == 74)
        #expect(result.stderr == "socializer: error: cannot write to standard output: No space left on device\n"
            + "hint: free some space (or raise the file size limit) and run it again\n")
    }

    @Test func jsonErrorsReportTheFailedWriteToo() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let result = runCLI(["--db", f.db, "--json", "users", "list"], environment: f.environment, stdin: BytesInput(),
                            stdout: FileDescriptorOutput(fd: fd))
        #expect(result.status == 74)
        #expect(result.stderr.hasPrefix("{\"error\":\"cannot write to standard output: No space left on device\",\"code\":74"))
    }

    @Test func aWriteThatChangedTheDatabaseStillReportsItsLostOutput() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let result = runCLI(["--db", f.db, "users", "deactivate", "user1"], environment: f.environment,
                            stdin: BytesInput(), stdout: FileDescriptorOutput(fd: fd))
        // The change is committed (it is one transaction that succeeded);
        // the exit status says its report was lost.
        #expect(result.status == 74)
        #expect(f.cli(["--fields", "active", "users", "show", "user1"]).stdout == "active: false\n")
    }

    @Test func aReaderThatClosedThePipeIsAQuietSuccess() throws {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        let out = FileDescriptorOutput(fd: fds[1])
        let result = runCLI(["--db", f.db, "users", "list"], environment: f.environment, stdin: BytesInput(), stdout: out)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(out.brokenPipe && out.failure == nil)
    }

    /// A long listing stops at the first lost write rather than reading on.
    @Test func theRendererStopsAtTheFirstLostWrite() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let out = FileDescriptorOutput(fd: fd, capacity: 64)
        let renderer = RowRenderer(out: out, options: RenderOptions(format: .jsonl))
        try renderer.begin(columns: ["id", "name"])
        var written = 0
        #expect(throws: SocializerError.self) {
            for i in 0..<100_000 {
                try renderer.row([.integer(Int64(i)), .text("user \(i)")])
                written += 1
            }
        }
        #expect(written < 10)
        #expect(out.failure?.code == .ioError)
    }

    @Test func versionAndHelpReportALostWrite() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        for arguments in [["--version"], ["users", "--help"]] {
            let result = runCLI(arguments, environment: [:], stdin: BytesInput(), stdout: FileDescriptorOutput(fd: fd))
            #expect(result.status == 74, "\(arguments)")
        }
    }
}

/// Issue 10, "bounded input": limits checked while reading.
@Suite struct BoundedInputTests {
    let f = UsersFixture()
    init() {
        f.environment["SOCIALIZER_JWT_SECRET"] = jwtSecret
        f.create("alice")
    }

    func devZero() throws -> FileDescriptorInput {
        let fd = open("/dev/zero", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        return FileDescriptorInput(fd: fd)
    }

    // BAD-INPUT 13
    @Test func anEndlessImportFileIsRefusedNamingTheLimit() {
        let before = f.folder.snapshot()
        let result = f.cli(["--format", "jsonl", "users", "import", "/dev/zero", "--input-format", "jsonl"])
        #expect(result.status == 65)
        // --input-format names the file's format; --format jsonl asks for JSON errors.
        #expect(result.stderr == "{\"error\":\"import file '/dev/zero' is larger than 64 MiB, the limit for it; nothing was read\","
            + "\"code\":65,\"hint\":\"see INPUT LIMITS in socializer(1)\"}\n")
        #expect(f.folder.snapshot() == before)
    }

    @Test func aLargeRegularFileIsRefusedBeforeItIsRead() throws {
        let path = f.folder.file("huge.jsonl")
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        try #require(fd >= 0)
        try #require(ftruncate(fd, off_t(FileReader.Limit.importFile + 1)) == 0)
        close(fd)
        let before = f.folder.snapshot()
        let result = f.cli(["users", "import", path])
        #expect(result.status == 65 && result.stderr.contains("is larger than 64 MiB"))
        #expect(f.folder.snapshot() == before)
    }

    @Test func endlessSecretFilesAreRefusedNamingTheLimit() {
        let before = f.folder.snapshot()
        let password = f.cli(["users", "set-password", "alice", "--password-file", "/dev/zero"])
        #expect(password.status == 65)
        #expect(password.stderr.hasPrefix("socializer: error: --password-file '/dev/zero' is larger than 64 KiB, the limit for it"))
        let secret = f.cli(["tokens", "issue", "alice", "--secret-file", "/dev/zero"])
        #expect(secret.status == 65 && secret.stderr.contains("--secret-file '/dev/zero' is larger than 64 KiB"))
        let stack = f.cli(["logs", "add", "--type", "T", "--message", "M", "--stack-file", "/dev/zero"])
        #expect(stack.status == 65 && stack.stderr.contains("--stack-file '/dev/zero' is larger than 1 MiB"))
        let memory = f.cli(["users", "memory", "set", "alice", "--file", "/dev/zero"])
        #expect(memory.status == 65 && memory.stderr.contains("--file '/dev/zero' is larger than 16 MiB"))
        #expect(f.folder.snapshot() == before)
    }

    @Test func endlessStandardInputIsRefusedForEveryStdinVerb() throws {
        let before = f.folder.snapshot()
        let cases: [([String], String)] = [
            (["tokens", "check", "--stdin"], "the token on standard input is longer than 8 KiB, the limit for a token"),
            (["tokens", "revoke", "--stdin"], "the token on standard input is longer than 8 KiB, the limit for a token"),
            (["users", "set-password", "alice", "--password-stdin"], "the password on standard input is longer than 4 KiB, the limit for it"),
            (["users", "check-password", "alice", "--password-stdin"], "the password on standard input is longer than 4 KiB, the limit for it"),
            (["users", "create", "bob", "--no-email", "--password-stdin"], "the password on standard input is longer than 4 KiB, the limit for it"),
            (["users", "memory", "set", "alice", "--stdin"], "the memory on standard input is longer than 16 MiB, the limit for it"),
        ]
        for (arguments, message) in cases {
            let result = runCLI(["--db", f.db] + arguments, environment: f.environment, stdin: try devZero(), stdout: TextBuffer())
            #expect(result.status == 65, "\(arguments)")
            #expect(result.stderr.hasPrefix("socializer: error: \(message)"), "\(arguments): \(result.stderr)")
        }
        #expect(f.folder.snapshot() == before)
    }

    /// A long line arriving in many small reads is scanned once; the
    /// result is exact and a line past the limit is refused.
    @Test func readLineIsExactAcrossManyChunks() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let line = Array(repeating: UInt8(ascii: "x"), count: 3000)
        let writeEnd = fds[1]
        let writer = Thread {
            for chunk in stride(from: 0, to: line.count, by: 7) {
                let part = Array(line[chunk..<min(line.count, chunk + 7)])
                _ = part.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            }
            _ = [UInt8]("\nsecond\n".utf8).withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            close(writeEnd)
        }
        writer.start()
        let input = FileDescriptorInput(fd: fds[0])
        defer { close(fds[0]) }
        #expect(try input.readLine(limit: 4096) == line)
        #expect(try input.readLine(limit: 4096) == Array("second".utf8))
        #expect(try input.readLine(limit: 4096) == nil)
    }

    /// A password line arriving in many small pieces is examined once per
    /// byte (it used to be searched again from its start after each read).
    @Test func readingALineIsLinearInItsSize() throws {
        var fds: [Int32] = [0, 0]
        // Packets: each read returns one 64-byte piece, the worst case.
        try #require(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &fds) == 0)
        defer { close(fds[0]) }
        let line = Array(repeating: UInt8(ascii: "p"), count: 4000)
        for start in stride(from: 0, to: line.count, by: 64) {
            let piece = Array(line[start..<min(line.count, start + 64)])
            try #require(piece.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == piece.count)
        }
        _ = [UInt8]("\n".utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        let input = FileDescriptorInput(fd: fds[0])
        #expect(try input.readLine(limit: FileReader.Limit.line) == line)
        #expect(input.bytesExamined <= line.count + 1, "examined \(input.bytesExamined) bytes for a \(line.count)-byte line")
    }

    @Test func inMemoryInputHonoursTheLimitToo() throws {
        let input = BytesInput(String(repeating: "a", count: 10) + "\nrest")
        #expect(throws: InputLimitExceeded.self) { try input.readLine(limit: 9) }
        #expect(try input.readLine(limit: 10) == Array(String(repeating: "a", count: 10).utf8))
        #expect(throws: InputLimitExceeded.self) { try input.readAll(limit: 3) }
        #expect(try input.readAll(limit: 4) == Array("rest".utf8))
    }

    @Test func limitsAreDescribedInUnits() {
        #expect(FileReader.describe(64 * 1024 * 1024) == "64 MiB")
        #expect(FileReader.describe(4096) == "4 KiB")
        #expect(FileReader.describe(100) == "100 bytes")
    }
}

/// Issue 10, "nothing echoes a secret or an escape".
@Suite struct NoEchoTests {
    let f = UsersFixture()
    init() {
        f.environment["SOCIALIZER_JWT_SECRET"] = jwtSecret
        f.create("alice")
    }

    @Test func aSurplusArgumentIsNeverShown() {
        let before = f.folder.snapshot()
        let create = f.cli(["users", "create", "bob", "hunter2-secret", "--no-email"])
        #expect(create.status == 64)
        #expect(create.stderr.hasPrefix("socializer: error: unexpected <argument 2> (not shown: it may be a secret)\n"
            + "hint: 'users create' takes USERNAME\n"), "\(create.stderr)")
        #expect(!create.stderr.contains("hunter2"))
        let first = RefuseBeforeChangingTests.token("alice"), second = RefuseBeforeChangingTests.token("bob")
        for verb in ["revoke", "check"] {
            let result = f.cli(["tokens", verb, first, second])
            #expect(result.status == 64)
            #expect(result.stderr.hasPrefix("socializer: error: unexpected <token> (not shown: it may be a secret)\n"), "\(result.stderr)")
            #expect(!result.stderr.contains(first.prefix(20)) && !result.stderr.contains(second.suffix(20)))
        }
        #expect(f.folder.snapshot() == before)
    }

    @Test func echoedInputIsEscapedAndCut() {
        let long = String(repeating: "x", count: 500)
        let unknown = f.cli(["users", long])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.hasPrefix("socializer: error: unknown verb '\(String(repeating: "x", count: 79))…' for 'users'\n"),
                "\(unknown.stderr)")
        let user = f.cli(["users", "show", "name:" + long])
        #expect(user.status == 66)
        #expect(user.stderr.hasPrefix("socializer: error: user '\(String(repeating: "x", count: 79))…' not found"), "\(user.stderr)")
        let import_ = f.cli(["users", "import", f.folder.write("wide.jsonl", "{\"username\": \"a\", \"password\": \"p-123456\", \"\(long)\": 1}\n")])
        #expect(import_.status == 65 && import_.stderr.contains("unknown field '\(String(repeating: "x", count: 79))…'"), "\(import_.stderr)")
        #expect(!import_.stderr.contains(String(repeating: "x", count: 81)))
        let escape = f.cli(["users", "list", "--limit", "\u{1B}]0;owned\u{07}"])
        #expect(escape.status == 64)
        #expect(escape.stderr.hasPrefix("socializer: error: invalid value '\\e]0;owned\\x07' for --limit\n"), "\(escape.stderr)")
        #expect(!escape.stderr.contains("\u{1B}"))
        let missing = f.cli(["users", "show", "ghost\u{1B}[2J\u{202E}"])
        #expect(missing.status == 66)
        #expect(!missing.stderr.contains("\u{1B}") && !missing.stderr.contains("\u{202E}"))
        #expect(missing.stderr.contains("ghost\\e[2J\\u{202E}"), "\(missing.stderr)")
    }

    @Test func errorLogTextIsEscapedInTables() throws {
        let added = f.cli(["logs", "add", "--type", "Evil", "--message", "red\u{1B}[0m\u{07}\nsecond line"])
        #expect(added.status == 0, "\(added.stderr)")
        // The app writes error types as it likes; the tool refuses control characters in them.
        try f.connection().execute("UPDATE error_logs SET error_type = 'Evil' || char(27) || '[31m'")
        let list = f.cli(["logs", "list"])
        #expect(list.status == 0 && !list.stdout.contains("\u{1B}") && !list.stdout.contains("\u{07}"))
        #expect(list.stdout.contains("Evil\\e[31m") && list.stdout.contains("red\\e[0m\\x07"), "\(list.stdout)")
        let show = f.cli(["logs", "show", "1"])
        #expect(!show.stdout.contains("\u{1B}"))
        #expect(show.stdout.contains("message:\n  red\\e[0m\\x07\n  second line\n"), "\(show.stdout)")
        // Machine formats carry the exact text (JSON escapes it its own way).
        let json = f.cli(["--json", "logs", "show", "1"])
        #expect(json.stdout.contains("\"message\": \"red\\u001b[0m\\u0007\\nsecond line\""), "\(json.stdout)")
    }

    @Test func aTokenHeaderIsEscapedWhenItIsRefused() {
        func segment(_ text: String) -> String { Base64.encode(Array(text.utf8), alphabet: .url, padding: false) }
        let forged = segment("{\"alg\":\"\\u001b[2J\\u001b]0;x\\u0007HS256\"}") + "." + segment("{\"exp\":4102444800}") + ".c2ln"
        let check = f.cli(["tokens", "check", forged])
        #expect(check.status == 1)
        #expect(!check.stderr.contains("\u{1B}"))
        #expect(check.stderr.contains("the header's algorithm is '\\e[2J\\e]0;x\\x07HS256'"), "\(check.stderr)")
        let revoke = f.cli(["tokens", "revoke", forged])
        #expect(revoke.status == 65 && !revoke.stderr.contains("\u{1B}"))
    }

    @Test func escapingRules() {
        #expect(Echo.escapingControls("a\u{0}b\u{7F}c\u{85}d") == "a\\x00b\\x7Fc\\x85d")
        #expect(Echo.escapingControls("tab\there\nline", keeping: ["\n", "\t"]) == "tab\there\nline")
        #expect(Echo.cut("é" + String(repeating: "y", count: 100), maximumLength: 5) == "éyyy…")
        #expect(Echo.cut("short") == "short")
    }
}
