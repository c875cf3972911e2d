import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

/// The repository kit: one query builder, SQL text helpers in one place, and
/// references that resolve to exactly one row or say why not.
@Suite struct RepositoryKitTests {
    let folder = TemporaryDirectory()

    struct Item: Equatable { var id: Int64; var name: String }

    func database() throws -> Connection {
        let db = try Connection(path: folder.file("kit.db"), mode: .createIfMissing)
        try db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        for name in ["lobby", "100%_sure", "lobby", "back\\slash", "other"] { try db.execute("INSERT INTO items (name) VALUES (?)", [name]) }
        return db
    }

    static func item(_ row: Row) throws -> Item { Item(id: try row.int("id"), name: try row.string("name")) }

    func lookup(_ db: Connection) -> EntityLookup<Item> {
        EntityLookup(kind: "room",
            byID: { id in var q = SelectQuery("SELECT id, name FROM items", order: "id"); q.filter("id = ?", id); return try q.first(db, Self.item) },
            byName: { name in
                var q = SelectQuery("SELECT id, name FROM items", order: "id")
                q.filter("name = ?", name)
                var all: [Item] = []
                try q.each(db, Self.item) { all.append($0) }
                return all
            },
            candidate: { "id \($0.id): \($0.name)" })
    }

    @Test func filtersOrderLimitAndOffsetCompose() throws {
        let db = try database()
        var query = SelectQuery("SELECT id, name FROM items", order: "name DESC, id")
        query.filter("id > ?", 1)
        query.limit = 2
        query.offset = 1
        var names: [String] = []
        try query.each(db, Self.item) { names.append($0.name) }
        #expect(names == ["lobby", "back\\slash"])
        #expect(query.sql == "SELECT id, name FROM items WHERE id > ? ORDER BY name DESC, id LIMIT ? OFFSET ?")
        #expect(try query.first(db, Self.item)?.name == "lobby")
    }

    @Test func containingEscapesTheWildcards() throws {
        let db = try database()
        for (text, expected) in [("%", ["100%_sure"]), ("_", ["100%_sure"]), ("\\", ["back\\slash"]), ("by", ["lobby", "lobby"])] {
            var query = SelectQuery("SELECT id, name FROM items", order: "id")
            query.filter(columns: ["name"], containing: text)
            var names: [String] = []
            try query.each(db, Self.item) { names.append($0.name) }
            #expect(names == expected, "\(text)")
        }
        #expect(SQL.quote("we\"ird") == "\"we\"\"ird\"")
        #expect(SQL.placeholders(3) == "?, ?, ?")
    }

    @Test func aReferenceResolvesToOneRowOrSaysWhyNot() throws {
        let db = try database()
        let rooms = lookup(db)
        #expect(try rooms.require(EntityReference("other", kind: "room")) == Item(id: 5, name: "other"))
        #expect(try rooms.require(EntityReference("2", kind: "room")).name == "100%_sure")
        #expect(try rooms.require(EntityReference("id:3", kind: "room")).name == "lobby")
        #expect { try rooms.require(EntityReference("lobby", kind: "room")) } throws: { error in
            let e = error as? SocializerError
            return e?.code == .invalidData && e?.message == "2 rooms are named 'lobby'" && e?.hint == "name one by its id (id:N)"
                && e?.details == ["id 1: lobby", "id 3: lobby"]
        }
        #expect { try rooms.require(EntityReference("name:42", kind: "room")) } throws: { error in
            let e = error as? SocializerError
            return e?.code == .notFound && e?.message == "room '42' not found" && e?.hint == "to look up an id, write id:42"
        }
        #expect { try EntityReference("id:x", kind: "room") } throws: { ($0 as? SocializerError)?.message == "'id:x' is not a room id" }
    }
}
