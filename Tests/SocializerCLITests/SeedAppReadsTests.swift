import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// The app's models read every row of a seeded database (issue 14 point 8):
/// each column converted as SQLAlchemy's SQLite dialect converts the
/// model's type (Tests/Fixtures/app/read_every_row.py), and the secrets the
/// app opens (memory, keys, password hashes) opened as it opens them.
@Suite struct SeedAppReadsTests {
    static func script() -> String { repositoryRoot() + "/Tests/Fixtures/app/read_every_row.py" }

    /// Runs the reader; its output, or a failure with what it printed.
    func appReads(_ db: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script(), db]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "the app could not read a row: \(text)")
        return text
    }

    @Test func theAppReadsEveryRowOfTheSeededDemo() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        #expect(try appReads(s.db) == """
            users: 6
            skills: 6
            user_skills: 7
            training: 5
            user_preferences: 3
            chat_rooms: 4
            room_members: 11
            room_messages: 13
            general_chat_messages: 3
            room_invites: 4
            token_blacklist: 3
            error_logs: 4

            """)
    }

    @Test func theAppReadsEveryRowOfAGeneratedAndOfAFixtureSeededIntoItsOwnDatabase() throws {
        let generated = SeedFixture()
        generated.seed(["--generate", GenerateTests.spec])
        _ = try appReads(generated.db)
        // The app's own database (no SQL defaults), adopted and seeded.
        let legacy = SeedFixture()
        _ = try LegacyDatabase.create(at: legacy.db, withRows: false)
        #expect(legacy.cli(["migrate", "baseline"]).status == 0)
        legacy.seed(["--demo"])
        _ = try appReads(legacy.db)
    }

    /// What the app opens: memory decrypts with the user's key into the
    /// app's document, keys are Fernet keys, passwords check as the app checks them.
    @Test func theSecretsAreTheAppsForms() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let db = try s.connection()
        for row in try db.rows("SELECT id, username, encryption_key, conversation_memory, hashed_password FROM users") {
            let name = try row.string("username")
            let key = try FernetKey(encoded: try row.string("encryption_key"))
            if let token = try row.optionalString("conversation_memory") {
                let plain = try Fernet.decrypt(token, key: key, now: testNow.secondsSinceEpoch)
                #expect(ConversationMemory.problem(with: plain) == nil, "\(name)")
                let document = try JSONParser.parse(Array(plain))
                #expect(document["metadata"]?["user_id"] == .integer(try row.int("id")))
                #expect(document["metadata"]?["version"] == .string("1.0"))
            }
            #expect(try Bcrypt.verify(Array("demo-password-\(name)".utf8), against: try row.string("hashed_password")), "\(name)")
        }
        // Addresses as the app's registration stores them (what its login looks up).
        #expect(try db.scalar("SELECT hashed_email FROM users WHERE username = 'grace'") == .text("grace@example.com"))
    }
}
