import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

@Suite struct ConnectionTests {
    let folder = TemporaryDirectory()

    @Test func createsNewFilesPrivateAndOpensWithForeignKeysOn() throws {
        let connection = try Connection(path: folder.file("new.db"), mode: .createIfMissing)
        #expect(connection.created)
        #expect(folder.mode("new.db") == 0o600)
        #expect(try connection.scalar("PRAGMA foreign_keys") == .integer(1))
        let again = try Connection(path: folder.file("new.db"), mode: .createIfMissing)
        #expect(!again.created)
    }

    @Test func aMissingFileIsNeverCreatedByAnExistingOpen() {
        #expect {
            try Connection(path: folder.file("missing.db"), mode: .existing)
        } throws: { error in
            let e = error as? SocializerError
            return e?.code == .notFound && e?.message == "database '\(folder.file("missing.db"))' does not exist"
        }
        #expect(folder.listing().isEmpty)
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let path = folder.write("notes.db", String(repeating: "not a database at all\n", count: 100))
        #expect {
            try Connection(path: path, mode: .existing)
        } throws: { error in
            (error as? SocializerError)?.code == .invalidData
                && (error as? SocializerError)?.message == "'\(path)' is not a SQLite database"
        }
    }

    @Test func aDirectoryIsNotADatabase() throws {
        #expect(throws: SocializerError.self) { try Connection(path: folder.path, mode: .existing) }
    }

    @Test func valuesGoThroughBoundParametersIntact() throws {
        let db = try Connection(path: folder.file("t.db"), mode: .createIfMissing)
        try db.execute("CREATE TABLE t (a, b, c, d, e)")
        let sneaky = "Robert'); DROP TABLE t;--"
        try db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [sneaky, 42, 0.5, nil as String?, DatabaseValue.blob([0, 1, 2])])
        try db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", ["", true, false, "é🙂", DatabaseValue.blob([])])
        let rows = try db.rows("SELECT * FROM t ORDER BY rowid")
        #expect(rows[0].values == [.text(sneaky), .integer(42), .real(0.5), .null, .blob([0, 1, 2])])
        #expect(rows[1].values == [.text(""), .integer(1), .integer(0), .text("é🙂"), .blob([])])
    }

    @Test func aWrongParameterCountIsAnError() throws {
        let db = try Connection(path: folder.file("t.db"), mode: .createIfMissing)
        #expect(throws: SocializerError.self) { try db.execute("SELECT ?, ?", [1]) }
    }

    @Test func typedRowAccessReportsTheColumn() throws {
        let db = try Connection(path: folder.file("t.db"), mode: .createIfMissing)
        let row = try #require(try db.firstRow("SELECT 1 AS n, 'x' AS s, '2026-01-31 12:00:00.000000' AS t, NULL AS z"))
        #expect(try row.int("n") == 1)
        #expect(try row.bool("n"))
        #expect(try row.timestamp("t") == Timestamp(year: 2026, month: 1, day: 31, hour: 12))
        #expect(try row.optionalString("z") == nil)
        #expect(throws: SocializerError.invalid("column s holds a value that is not an integer", reason: .unreadableStoredValue)) {
            try row.int("s")
        }
    }

    @Test func aFailedTransactionRollsBackEverything() throws {
        let db = try Connection(path: folder.file("t.db"), mode: .createIfMissing)
        try db.execute("CREATE TABLE t (x UNIQUE)")
        #expect(throws: DatabaseError.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                try db.execute("INSERT INTO t VALUES (1)")
            }
        }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
        #expect(!db.isInTransaction)
    }

    @Test func nestedTransactionsAreSavepoints() throws {
        let db = try Connection(path: folder.file("t.db"), mode: .createIfMissing)
        try db.execute("CREATE TABLE t (x)")
        try db.transaction {
            try db.execute("INSERT INTO t VALUES (1)")
            try? db.transaction {
                try db.execute("INSERT INTO t VALUES (2)")
                throw SocializerError.invalid("inner fails")
            }
            try db.transaction(commit: false) { try db.execute("INSERT INTO t VALUES (3)") }
        }
        #expect(try db.rows("SELECT x FROM t").map { $0.values } == [[.integer(1)]])
    }

    @Test func aDryRunTransactionLeavesNothing() throws {
        let db = try Connection(path: folder.file("t.db"), mode: .createIfMissing)
        try db.execute("CREATE TABLE t (x)")
        let inserted = try db.transaction(commit: false) {
            try db.execute("INSERT INTO t VALUES (1), (2)")
            return db.changes
        }
        #expect(inserted == 2)
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
    }

    @Test func aLockedDatabaseMapsToTemporarilyUnavailable() throws {
        let path = folder.file("t.db")
        let holder = try Connection(path: path, mode: .createIfMissing)
        try holder.execute("CREATE TABLE t (x)")
        try holder.execute("BEGIN IMMEDIATE")
        let other = try Connection(path: path, mode: .existing, busyTimeoutMilliseconds: 50)
        #expect {
            try other.transaction(.immediate) { try other.execute("INSERT INTO t VALUES (1)") }
        } throws: { error in
            let domain = (error as? DatabaseError)?.domainError
            return domain?.code == .temporarilyUnavailable && domain?.reason == .locked
        }
        try holder.execute("ROLLBACK")
    }

    @Test func constraintFailuresReadAsSentences() throws {
        let db = try Connection(path: folder.file("t.db"), mode: .createIfMissing)
        try db.execute("CREATE TABLE users (username TEXT UNIQUE NOT NULL)")
        try db.execute("INSERT INTO users VALUES ('alice')")
        #expect {
            try db.execute("INSERT INTO users VALUES ('alice')")
        } throws: { error in
            (error as? DatabaseError)?.domainError == .invalid("a users row with that username already exists")
        }
        #expect {
            try db.execute("INSERT INTO users VALUES (NULL)")
        } throws: { error in
            (error as? DatabaseError)?.domainError == .invalid("users.username needs a value")
        }
    }

    @Test func errorDescriptionsNeverShowBoundValues() throws {
        let db = try Connection(path: folder.file("t.db"), mode: .createIfMissing)
        try db.execute("CREATE TABLE s (secret TEXT UNIQUE)")
        try db.execute("INSERT INTO s VALUES (?)", ["hunter2-secret"])
        do {
            try db.execute("INSERT INTO s VALUES (?)", ["hunter2-secret"])
            Issue.record("expected a constraint failure")
        } catch let error as DatabaseError {
            #expect(!error.description.contains("hunter2"))
            #expect(!error.domainError.message.contains("hunter2"))
        }
    }

    @Test func backupCopiesConsistentlyToANewPrivateFile() throws {
        let db = try Connection(path: folder.file("live.db"), mode: .createIfMissing)
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("CREATE TABLE t (x)")
        try db.execute("INSERT INTO t VALUES (1), (2), (3)")
        try db.backup(to: folder.file("copy.db"))
        #expect(folder.mode("copy.db") == 0o600)
        let copy = try Connection(path: folder.file("copy.db"), mode: .readOnly)
        #expect(try copy.scalarInt("SELECT sum(x) FROM t") == 6)
        #expect(try copy.scalar("PRAGMA journal_mode") == .text("delete"))
        #expect(!folder.listing().contains { $0.contains(".partial-") })
        #expect {
            try db.backup(to: folder.file("copy.db"))
        } throws: { ($0 as? SocializerError)?.code == .cannotCreate }
    }
}

/// The hardened layer: statements own their database, SQL is one statement,
/// missing columns are bugs, text is never repaired, statements are cached.
@Suite struct StatementOwnershipTests {
    let folder = TemporaryDirectory()

    func connection() throws -> Connection {
        let db = try Connection(path: folder.file("s.db"), mode: .createIfMissing)
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        try db.execute("INSERT INTO t (name) VALUES ('a'), ('b'), ('c')")
        return db
    }

    @Test func aStatementKeepsItsDatabaseAliveAfterTheConnectionGoes() throws {
        var db: Connection? = try connection()
        let statement = try db!.prepare("SELECT name FROM t ORDER BY id")
        db = nil
        var names: [DatabaseValue] = []
        while try statement.step() { names.append(statement.currentRow().values[0]) }
        #expect(names == [.text("a"), .text("b"), .text("c")])
    }

    @Test func trailingStatementsAreAnErrorNotDropped() throws {
        let db = try connection()
        #expect {
            try db.execute("DELETE FROM t WHERE id = 1; DROP TABLE t")
        } throws: { ($0 as? SocializerError)?.code == .internalError && ($0 as? SocializerError)?.message.contains("more than one statement") == true }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 3, "nothing ran")
        // Blanks, a closing semicolon and comments after the statement are fine.
        try db.execute("DELETE FROM t WHERE id = 1;  -- done\n")
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 2)
    }

    @Test func aMissingColumnIsABugAndAMismatchIsBadData() throws {
        let row = try #require(try connection().firstRow("SELECT id, name FROM t WHERE id = 1"))
        #expect(row["nope"] == nil)
        #expect { try row.string("nope") } throws: { ($0 as? SocializerError)?.code == .internalError }
        #expect { try row.int("name") } throws: {
            ($0 as? SocializerError)?.code == .invalidData && ($0 as? SocializerError)?.message == "t.name holds a value that is not an integer (row id 1)"
        }
    }

    @Test func aStoredValueThatDoesNotReadIsNamedByItsTableColumnAndRow() throws {
        // Through an alias, a join and a scalar subquery: where the value is stored, and the row's id when the result has it.
        let db = try connection()
        try db.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, t_id INTEGER, at TEXT)")
        try db.execute("INSERT INTO e VALUES (7, 1, 'soon')")
        let joined = try #require(try db.firstRow("SELECT t.id, e.id AS event, e.at AS happened FROM t JOIN e ON e.t_id = t.id"))
        let latest = try #require(try db.firstRow("SELECT t.id, (SELECT at FROM e WHERE t_id = t.id) AS latest FROM t WHERE t.id = 1"))
        for (row, column, message) in [(joined, "happened", "e.at holds a value that is not a date or time (row id 7)"),
                                       (latest, "latest", "e.at holds a value that is not a date or time")] {
            #expect { try row.timestamp(column) } throws: { error in
                let error = error as? SocializerError
                return error?.reason == .unreadableStoredValue && error?.code == .invalidData && error?.message == message
            }
        }
    }

    @Test func textThatIsNotUTF8IsKeptAsBytesNeverRepaired() throws {
        let db = try connection()
        try db.execute("UPDATE t SET name = CAST(X'61FF62' AS TEXT) WHERE id = 2")
        let row = try #require(try db.firstRow("SELECT name FROM t WHERE id = 2"))
        #expect(row["name"] == .blob([0x61, 0xFF, 0x62]))
        #expect { try row.string("name") } throws: { ($0 as? SocializerError)?.message == "t.name holds a value that is not UTF-8 text" }
    }

    @Test func statementsAreCachedAndANestedQueryGetsItsOwn() throws {
        let db = try connection()
        let first = try db.cachedStatement("SELECT name FROM t WHERE id = ?")
        #expect(try db.cachedStatement("SELECT name FROM t WHERE id = ?") === first)
        var pairs: [String] = []
        try db.forEachRow("SELECT id FROM t ORDER BY id") { outer in
            try db.forEachRow("SELECT id FROM t ORDER BY id") { inner in
                pairs.append("\(try outer.int("id"))\(try inner.int("id"))")
            }
        }
        #expect(pairs.count == 9 && pairs.first == "11" && pairs.last == "33")
        // A finished query holds no read: another connection can take the write lock at once.
        _ = try db.firstRow("SELECT name FROM t")
        let other = try Connection(path: folder.file("s.db"), busyTimeoutMilliseconds: 0)
        try other.execute("BEGIN EXCLUSIVE")
        try other.execute("COMMIT")
    }
}
