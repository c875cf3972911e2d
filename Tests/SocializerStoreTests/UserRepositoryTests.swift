import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// The statements the user repository really runs (read off the trace hook,
/// not copies of its SQL) each use the index they are meant to.
@Suite struct UserQueryPlanTests {
    /// The query plan of each statement `body` runs on the fixture's connection.
    func plans(_ f: StoreFixture, _ body: () throws -> Void) throws -> [(sql: String, plan: String)] {
        let statements = try statementsRun(on: f.db, body)
        return try statements.map { ($0, try queryPlan(f.db, $0)) }
    }

    /// The plan of the one statement `body` runs.
    func plan(_ f: StoreFixture, _ body: () throws -> Void) throws -> String {
        let all = try plans(f, body)
        #expect(all.count == 1, "\(all.map(\.sql))")
        return all.first?.plan ?? ""
    }

    @Test func showFindAndListUseIndexes() throws {
        let f = try StoreFixture()
        try f.insertUser("alice", email: "alice@example.com")
        let byName = try plan(f) { _ = try f.users.find(.name("alice")) }
        #expect(byName.contains("USING INDEX sqlite_autoindex_users_1"), "\(byName)")
        let byID = try plan(f) { _ = try f.users.find(.id(1)) }
        #expect(byID.contains("USING INTEGER PRIMARY KEY"), "\(byID)")
        let byEmail = try plan(f) { _ = try f.users.find(hashedEmail: "x") }
        #expect(byEmail.contains("USING INDEX sqlite_autoindex_users_2"), "\(byEmail)")
        let legacy = try plan(f) { _ = try f.users.legacyEmailHashes() }
        #expect(legacy.contains("SEARCH users USING COVERING INDEX sqlite_autoindex_users_2 (hashed_email>? AND hashed_email<?)"), "\(legacy)")
        let keyed = try plan(f) { _ = try f.users.keyedEmailCount() }
        #expect(keyed.contains("USING COVERING INDEX sqlite_autoindex_users_2 (hashed_email>? AND hashed_email<?)"), "\(keyed)")
        let list = try plan(f) { try f.users.list(UserQuery()) { _ in } }
        #expect(list == "SCAN users", "ordered by rowid, no sort step: \(list)")
    }

    /// An email lookup runs the exact forms through the UNIQUE index on
    /// hashed_email, the plain ones through 0004's expression index, and
    /// the app's old bcrypt hashes through a range of the same index.
    @Test func everyEmailLookupTheRepositoryRunsUsesAnIndex() throws {
        let f = try StoreFixture()
        let lookup = EmailLookup(hasher: try EmailHasher(key: Array(storeEmailKey.utf8)))
        let all = try plans(f) { _ = try f.users.usersWithEmail("a@example.com", lookup: lookup) }
        #expect(all.count == 3, "\(all.map(\.sql))")
        for (sql, plan) in all {
            #expect(plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"), "\(sql): \(plan)")
            #expect(!plan.contains("SCAN users"), "\(sql): \(plan)")
        }
        #expect(all.contains { $0.plan.contains("SEARCH users USING INDEX sqlite_autoindex_users_2 (hashed_email=?)") }, "\(all)")
        #expect(all.contains { $0.plan.contains("SEARCH users USING INDEX ix_users_email_lookup (<expr>=?)") }, "\(all)")
        #expect(all.contains { $0.plan.contains("USING COVERING INDEX sqlite_autoindex_users_2 (hashed_email>? AND hashed_email<?)") }, "\(all)")
    }
}

@Suite struct LegacyEmailMatchTests {
    @Test func bcryptMatchesPairsEveryAddressWithEveryHash() throws {
        let f = try StoreFixture()
        let hashes = try (0..<3).map { try Bcrypt.hash(Array("p\($0)@example.com".utf8), cost: 4) }
        for (n, hash) in hashes.enumerated() { try f.insertUser("p\(n)", email: hash) }
        let legacy = try f.users.legacyEmailHashes()
        var reports: [Int] = []
        let matches = try f.users.bcryptMatches(["P2@example.com", "x@example.com", "p0@example.com"], legacy,
                                                lookup: EmailLookup(hasher: nil)) { done, total in
            #expect(total == 9)
            reports.append(done)
        }
        #expect(matches == [[2], [], [0]])
        #expect(reports.last == 9)
    }
}
