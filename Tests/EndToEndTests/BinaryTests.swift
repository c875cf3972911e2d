import Foundation
import Testing
import TestSupport
import SocializerStore

/// Runs the built `socializer` binary as a separate process on real files.
@Suite struct BinaryTests {
    let folder = TemporaryDirectory()

    /// The binary sits beside the test bundle in the build folder.
    static let binary: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.path + "/socializer") && url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url.path + "/socializer"
    }()

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func run(_ arguments: [String], binary: String = BinaryTests.binary, directory: String? = nil,
             environment: [String: String] = [:]) throws -> Outcome {
        try Self.spawn(binary, arguments, directory: directory ?? folder.path,
                       environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 })
    }

    /// Runs `executable` in `directory` with exactly `environment` and an
    /// empty standard input, and waits for it.
    static func spawn(_ executable: String, _ arguments: [String], directory: String,
                      environment: [String: String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func theBinaryExistsAndPrintsItsVersion() throws {
        let result = try run(["--version"])
        #expect(result.status == 0 && result.stdout.hasPrefix("socializer "))
    }

    /// The README's first command: it builds ./socializer.db from the demo
    /// fixture compiled into the binary, and can be run again.
    @Test func theReadmesFirstCommandSeedsTheDemo() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let readme = try String(contentsOfFile: url.path + "/README.md", encoding: .utf8)
        #expect(readme.contains("socializer seed --demo --fresh && .build/release/socializer users list"))
        let fast = ["SOCIALIZER_BCRYPT_COST": "4"]
        for _ in 0..<2 {
            let seeded = try run(["seed", "--demo", "--fresh"], environment: fast)
            #expect(seeded.status == 0, "\(seeded.stderr)")
        }
        let list = try run(["--format", "csv", "--no-header", "--fields", "username,messages,has_memory", "users", "list"])
        #expect(list.stdout == "ada,1,true\r\ngrace,0,false\r\nlinus,0,false\r\nmargaret,2,false\r\ntim,0,false\r\nhedy,0,false\r\n", "\(list.stderr)")
        #expect(folder.mode("socializer.db") == 0o600)
    }

    @Test func migrateUpOnTheDefaultDatabaseInTheCurrentFolder() throws {
        let result = try run(["migrate", "up"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(folder.exists("socializer.db"))
        #expect(folder.mode("socializer.db") == 0o600)
        let status = try run(["--format", "csv", "--no-header", "--fields", "version,state", "migrate", "status"])
        #expect(status.stdout == Migrations.all.map { "\($0.version),applied\r\n" }.joined())
        // sqlite3 reads what the binary wrote.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [folder.file("socializer.db"), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%';"]
        let pipe = Pipe()
        sqlite.standardOutput = pipe
        try sqlite.run()
        sqlite.waitUntilExit()
        #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "14\n") // the twelve, schema_migrations and admin_audit
    }

    @Test func theEnvironmentChoosesTheDatabase() throws {
        let result = try run(["-q", "migrate", "up"], environment: ["SOCIALIZER_DB": folder.file("env.db")])
        #expect(result.status == 0 && result.stdout == Migrations.all.map { "\($0.version)\n" }.joined())
        #expect(folder.exists("env.db") && !folder.exists("socializer.db"))
    }

    @Test func invalidUTF8InTheRealArgvIsRefused() throws {
        // Foundation's Process passes arguments as C strings; build one with a stray byte via the shell.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\"$0\" --db \"$(printf 'a\\377.db')\" migrate up", Self.binary]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        let err = Pipe()
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 65)
        #expect(stderr.contains("argument 2 is not valid UTF-8"))
        #expect(folder.listing().isEmpty)
    }

    @Test func usageErrorsExit64WithoutTouchingTheDisk() throws {
        let result = try run(["user", "list"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("socializer: error: unknown command 'user'"))
        #expect(folder.listing().isEmpty)
    }

    @Test func aMissingDatabaseIs66ForReads() throws {
        let result = try run(["--db", "nope.db", "migrate", "status"])
        #expect(result.status == 66)
        #expect(folder.listing().isEmpty)
    }

    @Test func aClosedPipeEndsOutputQuietly() throws {
        #expect(try run(["migrate", "up"]).status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The reader is gone before the binary writes: every write meets EPIPE.
        process.arguments = ["-c", "{ sleep 0.3; \"$0\" migrate schema --format dbml; echo \"status=$?\" >&2; } | true", Self.binary]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr == "status=0\n", "killed by SIGPIPE, or complained: \(stderr)")
    }

    /// Migrations are compiled in: the binary works copied alone to another folder.
    @Test func theBinaryWorksCopiedAloneElsewhere() throws {
        let elsewhere = TemporaryDirectory()
        let copy = elsewhere.file("socializer")
        try FileManager.default.copyItem(atPath: Self.binary, toPath: copy)
        let result = try run(["--db", folder.file("copied.db"), "-q", "migrate", "up"], binary: copy, directory: elsewhere.path)
        #expect(result.status == 0 && result.stdout == Migrations.all.map { "\($0.version)\n" }.joined(), "\(result.stderr)")
    }
}
