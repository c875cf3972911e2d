import Foundation
import Testing
import TestSupport
@testable import SocializerStore
@testable import SocializerCore

/// The fault trials' generator: `SOCIALIZER_FAULT_SEED=<seed> swift test --filter …` replays one.
typealias SeededRandom = SeededGenerator

extension SeededGenerator {
    init(_ defaultSeed: UInt64) { self.init(replayable: defaultSeed) }
}

/// One run of the built binary in the background: killed on purpose, or
/// waited for with a watchdog so a hang fails the test instead of the suite.
final class Spawned {
    let process = Process()
    private let out = Pipe(), err = Pipe()
    private(set) var stdout = ""
    private(set) var stderr = ""

    /// `fileSizeLimitBlocks`: RLIMIT_FSIZE in 512-byte blocks (a full disk),
    /// set by the shell before it execs the binary, with SIGXFSZ ignored so a
    /// write past the limit fails with EFBIG instead of killing the process.
    /// `environment` is added to a bare PATH; `stdinFile` (a path) replaces
    /// the empty standard input.
    init(_ arguments: [String], directory: String, fileSizeLimitBlocks: Int? = nil, quiet: Bool = false,
         environment: [String: String] = [:], stdinFile: String? = nil) throws {
        if let blocks = fileSizeLimitBlocks {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" \"$@\"", BinaryTests.binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: BinaryTests.binary)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        if let stdinFile {
            guard let input = FileHandle(forReadingAtPath: stdinFile) else { throw CocoaError(.fileNoSuchFile) }
            process.standardInput = input
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        process.standardOutput = quiet ? FileHandle.nullDevice : out
        process.standardError = quiet ? FileHandle.nullDevice : err
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits for the exit; after `seconds` the process is killed and nil returned.
    @discardableResult
    func wait(seconds: Double = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        var reader: Thread?
        if process.standardOutput is Pipe {
            // Drain both pipes while waiting, so a chatty child never blocks.
            let out = self.out, err = self.err
            let box = OutputBox()
            reader = Thread {
                box.stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                box.stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                box.done.signal()
            }
            reader?.start()
            self.box = box
        }
        while process.isRunning && Date() < deadline { usleep(2000) }
        if process.isRunning {
            kill9()
            collect()
            return nil
        }
        process.waitUntilExit()
        collect()
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    private var box: OutputBox?
    private func collect() {
        guard let box else { return }
        box.done.wait()
        stdout = box.stdout
        stderr = box.stderr
        self.box = nil
    }
}

final class OutputBox: @unchecked Sendable {
    var stdout = ""
    var stderr = ""
    let done = DispatchSemaphore(value: 0)
}

/// The app: a Python sqlite3 connection with a 1 s busy timeout committing
/// one row every `intervalMilliseconds` until stopped; counts its failures.
final class LiveWriter {
    let process = Process()
    private let out = Pipe()
    private let stopFile: String

    init(database: String, intervalMilliseconds: Double = 3, busyTimeoutSeconds: Double = 1) throws {
        stopFile = database + ".stop-writer"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import os, sqlite3, sys, time
            conn = sqlite3.connect(sys.argv[1], timeout=float(sys.argv[3]), isolation_level=None)
            written, failures = 0, 0
            while not os.path.exists(sys.argv[4]):
                try:
                    conn.execute("INSERT INTO error_logs (timestamp, error_type, error_message) VALUES ('2026-06-01 00:00:00.000000', 'Live', 'write')")
                    written += 1
                except sqlite3.OperationalError as e:
                    failures += 1
                    print("failed:", e, file=sys.stderr)
                time.sleep(float(sys.argv[2]) / 1000)
            print(written, failures)
            """, database, String(intervalMilliseconds), String(busyTimeoutSeconds), stopFile]
        process.standardOutput = out
        try process.run()
        usleep(150_000)
    }

    /// Stops the writer; returns (commits, failures).
    func stop() -> (written: Int, failures: Int) {
        FileManager.default.createFile(atPath: stopFile, contents: Data())
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        unlink(stopFile)
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : (-1, -1)
    }
}

extension TemporaryDirectory {
    func copy(_ name: String, to other: String) throws {
        try? FileManager.default.removeItem(atPath: file(other))
        try FileManager.default.copyItem(atPath: file(name), toPath: file(other))
    }
}

/// Runs the binary to completion (quietly), for setup steps.
@discardableResult
func runBinary(_ arguments: [String], in folder: TemporaryDirectory) throws -> Int32 {
    let run = try Spawned(arguments, directory: folder.path, quiet: true)
    return run.wait() ?? -1
}

/// What a database holds, to compare before and after a refused or failed run.
func contentDigest(_ path: String) throws -> [String] {
    let db = try Connection(path: path, mode: .readOnly)
    var digest: [String] = ["\(try db.scalar("PRAGMA integrity_check"))"]
    for row in try db.rows("SELECT name, sql FROM sqlite_master ORDER BY name") {
        digest.append("\(try row.value("name")) \(try row.value("sql"))")
    }
    for table in ["error_logs", "token_blacklist", "users", "schema_migrations"] {
        if try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = ?", [table]) == 1 {
            digest.append("\(table): \(try db.scalarInt("SELECT count(*) FROM \(table)"))")
        }
    }
    return digest
}

/// Fills error_logs of a migrated database with `rows` rows (~230 bytes each).
func fillLogs(_ path: String, rows: Int) throws {
    let db = try Connection(path: path)
    try db.execute("""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO error_logs (timestamp, user_id, error_type, error_message, stack_trace)
        SELECT '2026-01-01 00:00:00.000000', NULL, 'Old', hex(randomblob(50)), hex(randomblob(50)) FROM n
        """, [rows])
    _ = try db.rows("PRAGMA wal_checkpoint(TRUNCATE)")
}

/// Every row of every table (sqlite_sequence included), the schema and
/// `integrity_check`: equal results mean the database content is unchanged.
func everyRow(_ path: String) throws -> [String] {
    let db = try Connection(path: path, mode: .readOnly)
    let check = try db.scalar("PRAGMA integrity_check")
    var lines = [check == .text("ok") ? "integrity_check: ok" : "integrity_check: \(check)"]
    let objects = try db.rows("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    for object in objects {
        lines.append(object.values.map { "\($0)" }.joined(separator: " | "))
    }
    for object in objects where object["type"] == .text("table") {
        let name = try object.string("name")
        for row in try db.rows("SELECT * FROM \"\(name)\" ORDER BY rowid") {
            lines.append(name + ": " + zip(row.columns, row.values).map { "\($0)=\($1)" }.joined(separator: "|"))
        }
    }
    return lines
}
