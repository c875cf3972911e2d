import Testing
import SocializerCore
@testable import SocializerStore
import TestSupport

/// COPY's text format, which needs no server.
@Suite struct PostgresCopyTextTests {
    func row(_ values: [DatabaseValue]) throws -> String {
        var bytes: [UInt8] = []
        for (n, value) in values.enumerated() {
            if n > 0 { bytes.append(UInt8(ascii: "\t")) }
            try PostgresCopyText.append(value, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func valuesAreEscapedAsCopyReadsThem() throws {
        #expect(try row([.integer(7), .integer(-12), .null, .text("a\tb\nc\rd\\e"), .text("\\N"), .text("\\."), .real(0.25)])
                == "7\t-12\t\\N\ta\\tb\\nc\\rd\\\\e\t\\\\N\t\\\\.\t0.25")
        #expect(try row([.blob([0xDE, 0xAD])]) == "\\\\xdead")
        #expect(throws: SocializerError.self) { try row([.text("nul\u{0}here")]) }
    }

    @Test func theLineOfAFailedRowIsReadFromTheErrorsContext() {
        #expect(PostgresConnection.copyLine("COPY room_messages, line 12345: \"1\t2\"") == 12345)
        #expect(PostgresConnection.copyLine("COPY room_messages, line 3, column content: \"x\"") == 3)
        #expect(PostgresConnection.copyLine("SQL statement \"SELECT 1\"") == nil)
        #expect(PostgresConnection.copyLine(nil) == nil)
    }
}

/// The streaming COPY on a real server: rows are kept only when it ends
/// well, a ROLLBACK (or one to a savepoint) abandons it, and a refused row
/// is named by the caller's locator, across COPY boundaries.
@Suite(.enabled(if: TestPostgres.isAvailable, "SOCIALIZER_TEST_POSTGRES_URL is not set: run the tests under .ci/with-postgres for the PostgreSQL half"))
struct PostgresCopyTests {
    let scratch: PostgresScratch
    let db: PostgresConnection
    let target = "copied (n, note)"

    init() throws {
        scratch = try PostgresScratch()
        db = try scratch.connection()
        try db.execute("CREATE TABLE copied (n INTEGER NOT NULL CHECK (n <> 13), note TEXT)")
    }

    func copy(_ n: Int, note: String = "row") throws -> Int {
        var row: [UInt8] = []
        try PostgresCopyText.append(.integer(Int64(n)), to: &row)
        row.append(UInt8(ascii: "\t"))
        try PostgresCopyText.append(.text(note), to: &row)
        row.append(UInt8(ascii: "\n"))
        return try db.copyRow(into: target, row, locate: { "line \($0)" })
    }

    func count() throws -> Int64 { try db.scalarInt("SELECT count(*) FROM copied") }

    @Test func rowsAreKeptWhenTheCopyEndsAndTheNextStatementEndsIt() throws {
        try db.transaction { () throws -> Void in
            for n in 1...5 { #expect(try copy(n, note: "tab\there \\N") == n) }
            #expect(db.isInTransaction)
            // Any statement ends the COPY first, and sees its rows.
            #expect(try count() == 5)
            // A new COPY starts at line 1.
            #expect(try copy(6) == 1)
        }
        #expect(try count() == 6)
        #expect(try db.scalar("SELECT note FROM copied WHERE n = 1") == .text("tab\there \\N"))
    }

    @Test func aRollbackAbandonsTheOpenCopyAndARollbackToASavepointOnlyItsRows() throws {
        #expect(throws: SocializerError.self) {
            try db.transaction {
                for n in 1...3 { _ = try copy(n) }
                throw SocializerError.invalid("stop")
            }
        }
        #expect(!db.isInTransaction)
        #expect(try count() == 0)
        try db.transaction {
            _ = try copy(1)
            _ = try? db.transaction { () throws -> Void in
                for n in 2...4 { _ = try copy(n) }
                throw SocializerError.invalid("only these")
            }
            _ = try copy(5)
        }
        #expect(try db.rows("SELECT n FROM copied ORDER BY n").map(\.values) == [[.integer(1)], [.integer(5)]])
        // A lower-case rollback abandons it too.
        try db.execute("BEGIN")
        _ = try copy(7)
        try db.execute("  rollback")
        #expect(try count() == 2)
    }

    @Test func aRowTheServerRefusesIsNamedByTheLocatorAfterMoreThanAMessageOfRows() throws {
        // The bad row, then enough rows for several CopyData messages after it.
        let failure = try #require(throws: PostgresError.self) {
            try db.transaction {
                for n in 1...12 { _ = try copy(n) }
                _ = try copy(13)
                for n in 14...3_000 { _ = try copy(n, note: String(repeating: "x", count: 40)) }
                try db.endCopy()
            }
        }
        #expect(failure.sqlState == "23514" && failure.location == "line 13" && failure.endedCopy, "\(failure)")
        #expect(!failure.isUniqueConstraint)
        #expect(failure.domainError.message.hasPrefix("line 13: a value is outside what the database accepts (check constraint"))
        #expect(try count() == 0)
    }

    @Test func theLineCountsFromEachCopyWhenOneEndsEveryFewRows() throws {
        db.rowsPerCopy = 4
        var lines: [Int] = []
        let failure = try #require(throws: PostgresError.self) {
            try db.transaction {
                for n in 1...15 { lines.append(try copy(n)) }
                try db.endCopy()
            }
        }
        // 13 is the first row of the fourth COPY.
        #expect(lines.prefix(12) == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4])
        #expect(failure.location == "line 1", "\(failure)")
        #expect(try count() == 0)
    }

    @Test func aStatementThatEndsAFailedCopyIsNotTakenForItsCause() throws {
        try db.execute("CREATE UNIQUE INDEX copied_n ON copied (n)")
        let failure = try #require(throws: PostgresError.self) {
            try db.transaction {
                _ = try copy(1)
                _ = try copy(1)
                try db.execute("SELECT 1")
            }
        }
        #expect(failure.isUniqueViolation && failure.endedCopy && !failure.isUniqueConstraint)
    }
}
