import Foundation
import TestSupport
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// A migrated temporary database for repository tests: `Migrator` up to the
/// latest version, no CLI involved. The folder goes when the value does.
struct StoreFixture {
    let folder = TemporaryDirectory()
    let db: Connection

    init() throws {
        db = try Connection(path: folder.file("store.db"), mode: .createIfMissing)
        _ = try Migrator(connection: db, clock: FixedClock(testNow)).up()
    }

    var users: UserRepository { UserRepository(db) }

    /// A user row as the app's registration writes it: every column given
    /// (the app's own schema has no SQL defaults), the email as stored.
    @discardableResult
    func insertUser(_ name: String, email: String, password: String = "pw-app") throws -> Int64 {
        try db.execute("""
            INSERT INTO users (username, role, is_active, temperature, preferences, hashed_name, hashed_password,
              hashed_email, member_since, messages, encryption_key, conversation_memory, llm_provider, llm_endpoint, llm_model)
            VALUES (?, 'user', 1, 0.7, '{}', '', ?, ?, '2026-06-14', 0, ?, NULL, NULL, NULL, NULL)
            """, [name, try Bcrypt.hash(Array(password.utf8), cost: 4), email, try FernetKey.generate().encoded])
        return try db.scalarInt("SELECT id FROM users WHERE username = ?", [name])
    }
}

/// The key the Store tests hash emails with.
let storeEmailKey = "store-test-email-key-0123456789abcdef"
