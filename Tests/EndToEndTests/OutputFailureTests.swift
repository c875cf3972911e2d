import Foundation
import Testing
import TestSupport
@testable import SocializerStore

/// Issue 10, "output errors are errors", and BAD-INPUT row 38 (disk full),
/// against the real binary: /dev/full and `ulimit -f` with SIGXFSZ ignored.
@Suite struct OutputFailureTests {
    let folder = TemporaryDirectory()
    var db: String { folder.file("app.db") }
    static let hash = "$2b$04$" + String(repeating: "abcdefghij", count: 6).prefix(53)

    init() throws {
        #expect(runCLI(["--db", db, "migrate", "up"]).status == 0)
    }

    func importUsers(_ count: Int, prefix: String = "user") -> CLIResult {
        let lines = (0..<count).map { "{\"username\": \"\(prefix)\($0)\", \"password_hash\": \"\(Self.hash)\", \"hashed_name\": \"\(String(repeating: "n", count: 200))\"}" }
        let file = folder.write("\(prefix).jsonl", lines.joined(separator: "\n") + "\n")
        return runCLI(["--db", db, "users", "import", file])
    }

    /// Runs `script` with `sh -c`, the binary as $0, in the test folder.
    func shell(_ script: String) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, BinaryTests.binary]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.environment = ["PATH": "/usr/bin:/bin"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stderr)
    }

    @Test func anExportToAFullDiskExits74() throws {
        #expect(importUsers(20).status == 0)
        let result = try shell("\"$0\" --db app.db users export > /dev/full")
        #expect(result.status == 74)
        #expect(result.stderr.hasPrefix("socializer: error: cannot write to standard output: No space left on device\n"), "\(result.stderr)")
    }

    /// Today's defect: the export stopped at the size limit and exited 0.
    @Test func anExportPastTheFileSizeLimitExits74() throws {
        #expect(importUsers(300).status == 0)
        // 40 KiB: room for SQLite's 32 KiB shared-memory file, not for the export.
        let result = try shell("trap '' XFSZ; ulimit -f 80; \"$0\" --db app.db users export > out.json")
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("socializer: error: cannot write to standard output: File too large\n"), "\(result.stderr)")
    }

    // BAD-INPUT 38: disk full in the middle of a write transaction.
    @Test func aWriteThatFillsTheDiskRollsBackAndExits74() throws {
        #expect(importUsers(10).status == 0)
        var size = stat()
        stat(db, &size)
        let lines = (0..<3000).map { "{\"username\": \"big\($0)\", \"password_hash\": \"\(Self.hash)\", \"hashed_name\": \"\(String(repeating: "n", count: 300))\"}" }
        _ = folder.write("big.jsonl", lines.joined(separator: "\n") + "\n")
        // Room for the database as it is and a little more, not for 3,000 users (dash counts 512-byte blocks).
        let blocks = Int(size.st_size) / 512 + 40
        let result = try shell("trap '' XFSZ; ulimit -f \(blocks); \"$0\" --db app.db users import big.jsonl")
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("socializer: error: the disk is full; the transaction was rolled back")
                || result.stderr.hasPrefix("socializer: error: I/O error"), "\(result.stderr)")
        let connection = try Connection(path: db)
        #expect(try connection.scalarInt("SELECT count(*) FROM users") == 10)
        #expect(try connection.scalar("PRAGMA integrity_check") == .text("ok"))
    }
}
