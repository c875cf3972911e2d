import Foundation
import Testing
import TestSupport
@testable import SocializerStore
@testable import SocializerCore

/// `socializer backup` against a live database (issue 10): it finishes while
/// the app commits every few milliseconds, never stalls the app, and leaves
/// nothing half-written when it is killed or the disk is full.
@Suite(.serialized) struct BackupFaultTests {
    let folder = TemporaryDirectory()
    var db: String { folder.file("live.db") }

    /// ~35 MB in WAL mode, what `migrate up` creates.
    func prepare(rows: Int = 150_000) throws {
        #expect(try runBinary(["--db", db, "-q", "migrate", "up"], in: folder) == 0)
        try fillLogs(db, rows: rows)
    }

    /// Copying in page steps restarted on every commit of another connection
    /// and never finished; one snapshot finishes, and the app's writes (1 s
    /// busy timeout) all succeed meanwhile.
    @Test func aBackupFinishesWhileTheAppCommitsEvery3ms() throws {
        try prepare()
        let writer = try LiveWriter(database: db, intervalMilliseconds: 3)
        let before = try Connection(path: db, mode: .readOnly).scalarInt("SELECT count(*) FROM error_logs")
        let backup = try Spawned(["--db", db, "--json", "backup", folder.file("copy.db")], directory: folder.path)
        let status = backup.wait(seconds: 60)
        usleep(100_000)
        let (written, failures) = writer.stop()
        #expect(status == 0, "the backup did not finish within 60 s (killed) or failed: \(backup.stderr)")
        #expect(failures == 0 && written > 0, "the app's writes: \(written) committed, \(failures) failed")
        let copy = try Connection(path: folder.file("copy.db"), mode: .readOnly)
        #expect(try copy.scalar("PRAGMA integrity_check") == .text("ok"))
        #expect(try copy.scalar("PRAGMA journal_mode") == .text("delete"))
        // One moment of the source: every row committed before the copy, some of the later ones.
        let copied = try copy.scalarInt("SELECT count(*) FROM error_logs")
        let after = try Connection(path: db, mode: .readOnly).scalarInt("SELECT count(*) FROM error_logs")
        #expect(copied >= before && copied <= after)
        #expect(try copy.scalarInt("SELECT count(*) FROM error_logs WHERE error_type = 'Live'") == copied - 150_000)
        #expect(folder.partialFiles.isEmpty)
    }

    /// kill -9 at random points of a backup: the destination is either
    /// absent or a whole copy, and the next backup removes the dead run's
    /// temporary file and journal.
    @Test func aKilledBackupLeavesNoHalfFileAndTheNextRunCleansUp() throws {
        try prepare()
        var random = SeededRandom(0xBAC0_0001)
        for trial in 0..<6 {
            let name = "copy-\(trial).db"
            let run = try Spawned(["--db", db, "backup", folder.file(name)], directory: folder.path, quiet: true)
            usleep(UInt32.random(in: 0...120_000, using: &random))
            run.kill9()
            if folder.exists(name) {
                let copy = try Connection(path: folder.file(name), mode: .readOnly)
                #expect(try copy.scalar("PRAGMA integrity_check") == .text("ok"), "seed \(random.seed), trial \(trial)")
                #expect(try copy.scalarInt("SELECT count(*) FROM error_logs") == 150_000)
            }
        }
        let next = try Spawned(["--db", db, "-q", "backup", folder.file("next.db")], directory: folder.path)
        #expect(next.wait() == 0, "\(next.stderr)")
        #expect(folder.partialFiles.isEmpty, "seed \(random.seed): \(folder.partialFiles)")
        #expect(try Connection(path: db, mode: .readOnly).scalar("PRAGMA integrity_check") == .text("ok"))
    }

    /// BAD-INPUT row 38. A full disk (RLIMIT_FSIZE of 1 MB, SIGXFSZ ignored): exit 74 with the
    /// reason, no copy and no temporary file left, the database unchanged.
    @Test func aFullDiskExits74AndLeavesNothing() throws {
        try prepare(rows: 20_000)
        let before = try contentDigest(db)
        let run = try Spawned(["--db", db, "backup", folder.file("copy.db")], directory: folder.path,
                              fileSizeLimitBlocks: 2048)
        #expect(run.wait() == 74, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("socializer: error: cannot write the backup '\(folder.file("copy.db"))': the disk is full, a file size limit was reached, or the disk failed (disk I/O error); no partial copy was left\nhint: free disk space"),
                "\(run.stderr)")
        #expect(!folder.exists("copy.db"))
        #expect(folder.partialFiles.isEmpty, "\(folder.partialFiles)")
        #expect(try contentDigest(db) == before)
    }
}
