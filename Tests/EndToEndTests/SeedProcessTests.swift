#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport
@testable import SocializerStore
@testable import SocializerCore

/// `seed` interrupted (BAD-INPUT 42) or killed (row 40's kind of crash),
/// run as the built binary: what was there stays as it was.
@Suite(.serialized) struct SeedProcessTests {
    let folder = TemporaryDirectory()
    static let environment = ["SOCIALIZER_BCRYPT_COST": "4"]
    static let long = "users=50,rooms=10,messages=20000000"

    func migrated() throws -> String {
        let db = folder.file("app.db")
        let made = try Spawned(["--db", db, "-q", "migrate", "up"], directory: folder.path, environment: Self.environment)
        #expect(made.wait() == 0, "\(made.stderr)")
        return db
    }

    // BAD-INPUT 42
    @Test func ctrlCDuringALoadRollsItBack() throws {
        let db = try migrated()
        let before = try everyRow(db)
        let seed = try Spawned(["--db", db, "seed", "--generate", Self.long], directory: folder.path, environment: Self.environment)
        usleep(1_500_000)
        kill(seed.pid, SIGINT)
        let status = seed.wait(seconds: 60)
        #expect(status == 130, "\(String(describing: status)) \(seed.stderr)")
        #expect(seed.stderr.contains("interrupted; the open transaction was rolled back and nothing was loaded"), "\(seed.stderr)")
        #expect(try everyRow(db) == before)
    }

    /// `--fresh` interrupted or killed: the old database is the old database.
    @Test func freshInterruptedOrKilledLeavesTheOldFile() throws {
        let db = try migrated()
        let seeded = try Spawned(["--db", db, "-q", "seed", "--demo"], directory: folder.path, environment: Self.environment)
        #expect(seeded.wait() == 0, "\(seeded.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: db))
        let interrupted = try Spawned(["--db", db, "seed", "--fresh", "--generate", Self.long], directory: folder.path,
                                      environment: Self.environment)
        usleep(1_500_000)
        kill(interrupted.pid, SIGINT)
        #expect(interrupted.wait(seconds: 60) == 130, "\(interrupted.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == bytes)
        #expect(folder.partialFiles.isEmpty, "\(folder.listing())")

        let killed = try Spawned(["--db", db, "seed", "--fresh", "--generate", Self.long], directory: folder.path,
                                 environment: Self.environment)
        usleep(1_500_000)
        killed.kill9()
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == bytes)
        #expect(!folder.partialFiles.isEmpty, "a killed run leaves its temporary file")
        // The next run removes what the dead one left and does its own work.
        let next = try Spawned(["--db", db, "-q", "seed", "--fresh", "--demo"], directory: folder.path, environment: Self.environment)
        #expect(next.wait() == 0, "\(next.stderr)")
        #expect(folder.partialFiles.isEmpty, "\(folder.listing())")
        #expect(try Connection(path: db).scalarInt("SELECT count(*) FROM users") == 6)
    }
}
