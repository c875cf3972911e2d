import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

/// schema/schema.sql and schema/socializer.dbml stay in step with what the
/// migrations produce. To re-record after changing a migration:
///   socializer --db /tmp/x.db migrate up --no-backup
///   socializer --db /tmp/x.db migrate schema --format sql  > schema/schema.sql
///   socializer --db /tmp/x.db migrate schema --format dbml > schema/socializer.dbml
@Suite struct SchemaFilesTests {
    let folder = TemporaryDirectory()

    func liveSchema() throws -> LiveSchema {
        let db = try Connection(path: folder.file("s.db"), mode: .createIfMissing)
        _ = try Migrator(connection: db, clock: FixedClock(testNow)).up()
        return try LiveSchema.read(from: db)
    }

    static func repositoryFile(_ relative: String) throws -> String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return try String(contentsOfFile: url.path + "/" + relative, encoding: .utf8)
    }

    @Test func schemaSQLMatchesTheMigrations() throws {
        #expect(try Self.repositoryFile("schema/schema.sql") == liveSchema().render(.sql, generatedBy: "socializer migrate schema --format sql"))
    }

    @Test func dbmlMatchesTheMigrations() throws {
        let dbml = try liveSchema().render(.dbml, generatedBy: "socializer migrate schema --format dbml")
        #expect(try Self.repositoryFile("schema/socializer.dbml") == dbml)
        for table in SchemaModel.tableNames { #expect(dbml.contains("Table \(table) ")) }
        #expect(dbml.contains("Ref: room_invites.message_id > room_messages.id [delete: set null]"))
    }

    @Test func schemaSQLRecreatesTheSameDatabase() throws {
        let sql = try liveSchema().render(.sql, generatedBy: "socializer migrate schema --format sql")
        let copy = try Connection(path: folder.file("copy.db"), mode: .createIfMissing)
        try copy.executeScript(sql)
        let original = try liveSchema()
        let rebuilt = try LiveSchema.read(from: copy)
        #expect(rebuilt.statements == original.statements)
    }

    @Test func dotOutputRendersWithGraphviz() throws {
        let dot = try liveSchema().render(.dot, generatedBy: "socializer migrate schema --format dot")
        let input = folder.write("schema.dot", dot)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["dot", "-Tsvg", "-o", folder.file("schema.svg"), input]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "dot failed (is graphviz installed? .ci/run installs it): \(message)")
        #expect(message.isEmpty, "\(message)")
        let svg = try String(contentsOfFile: folder.file("schema.svg"), encoding: .utf8)
        for table in SchemaModel.tableNames { #expect(svg.contains(">\(table)<"), "\(table)") }
    }

    @Test func mermaidNamesEveryTableAndReference() throws {
        let text = try liveSchema().render(.mermaid, generatedBy: "socializer migrate schema --format mermaid")
        #expect(text.hasPrefix("erDiagram\n"))
        #expect(text.contains("users ||--o{ chat_rooms : \"creator_id\""))
        #expect(text.contains("room_messages |o--o{ room_invites : \"message_id\""))
    }
}
