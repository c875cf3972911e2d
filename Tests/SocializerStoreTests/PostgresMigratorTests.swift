import Foundation
import Testing
import SocializerCore
@testable import SocializerStore
import TestSupport

/// The compiled migrations on PostgreSQL, each test in a schema of its own.
@Suite(.enabled(if: TestPostgres.isAvailable, "SOCIALIZER_TEST_POSTGRES_URL is not set: run the tests under .ci/with-postgres for the PostgreSQL half"))
struct PostgresMigratorTests {
    /// The DDL the app's SQLAlchemy models emit on PostgreSQL (see Tests/Fixtures/README.md).
    static let appSchema: String = (try? String(contentsOfFile: fixturesFolder() + "/postgres/app-schema.sql", encoding: .utf8)) ?? ""

    /// Everything of a schema that the app and the tool rely on, in words:
    /// columns (type, nullability, default), constraints (with their rules)
    /// and indexes. SERIAL sequences are named by table, so two schemas
    /// built the same way compare equal.
    static func catalog(_ db: PostgresConnection, _ schema: String) throws -> [String] {
        let columns = try db.rows("""
            SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '')
                   || ' ' || is_nullable || ' ' || coalesce(replace(column_default, $1 || '.', ''), '-') AS line
            FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1
            """, [schema]).map { try $0.string("line") }
        let constraints = try db.rows("""
            SELECT c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) AS line
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY 1
            """, [schema]).map { try $0.string("line").replacingAll(schema + ".", with: "") }
        let indexes = try db.rows("SELECT indexdef AS line FROM pg_indexes WHERE schemaname = $1 ORDER BY 1", [schema])
            .map { try $0.string("line").replacingAll(schema + ".", with: "") }
        return columns + constraints + indexes
    }

    @Test func upCreatesEveryVersionAndDownRemovesIt() throws {
        let scratch = try PostgresScratch()
        let migrator = Migrator(connection: scratch.admin, clock: FixedClock(testNow))
        #expect(try migrator.state() == .empty)
        let runs = try migrator.up()
        #expect(runs.map(\.migration.version) == Migrations.all.map(\.version))
        #expect(try migrator.state() == .migrated(version: Migrations.latestVersion))
        #expect(try migrator.validationProblems().isEmpty)
        let applied = try migrator.appliedMigrations()
        #expect(applied.map(\.checksum) == Migrations.all.map { $0.checksum(.postgres) })
        #expect(applied.first?.appliedAt.hasPrefix("2026-06-15 12:00:00") == true)
        let catalog = try PostgresMigratorTests.catalog(scratch.admin, scratch.schema)
        // 0002's defaults, in PostgreSQL's words, and its ON DELETE rules.
        #expect(catalog.contains("users.is_active boolean NO true"))
        #expect(catalog.contains("users.member_since date NO CURRENT_DATE"))
        #expect(catalog.contains("token_blacklist.created_at timestamp without time zone NO (now() AT TIME ZONE 'utc'::text)"))
        #expect(catalog.contains("room_invites room_invites_message_id_fkey FOREIGN KEY (message_id) REFERENCES room_messages(id) ON DELETE SET NULL"))
        #expect(catalog.contains("CREATE INDEX ix_users_email_lookup ON users USING btree (lower(TRIM(BOTH FROM hashed_email)))"))
        // Every step back, to nothing but the empty ledger.
        _ = try migrator.down(to: 1)
        let legacy = try PostgresMigratorTests.catalog(scratch.admin, scratch.schema).filter { !$0.hasPrefix("schema_migrations") }
        _ = try migrator.down(to: 0)
        #expect(try scratch.admin.tableNames() == ["schema_migrations"])
        // Up again to 0001 is the same schema as before the way down.
        _ = try migrator.up(to: 1)
        #expect(try PostgresMigratorTests.catalog(scratch.admin, scratch.schema).filter { !$0.hasPrefix("schema_migrations") } == legacy)
    }

    @Test func theInitialMigrationCreatesExactlyWhatTheAppsModelsCreate() throws {
        #expect(!PostgresMigratorTests.appSchema.isEmpty, "Tests/Fixtures/postgres/app-schema.sql is missing")
        let app = try PostgresScratch()
        try app.run(script: PostgresMigratorTests.appSchema)
        let ours = try PostgresScratch()
        _ = try Migrator(connection: ours.admin, clock: FixedClock(testNow)).up(to: 1)
        let appCatalog = try PostgresMigratorTests.catalog(app.admin, app.schema)
        let ourCatalog = try PostgresMigratorTests.catalog(ours.admin, ours.schema).filter { !$0.contains("schema_migrations") }
        #expect(appCatalog.count > 100)
        #expect(ourCatalog == appCatalog, "only ours: \(Set(ourCatalog).subtracting(appCatalog)); only the app's: \(Set(appCatalog).subtracting(ourCatalog))")
    }

    @Test func baselineAdoptsADatabaseTheAppMadeThenEveryMigrationApplies() throws {
        let app = try PostgresScratch()
        try app.run(script: PostgresMigratorTests.appSchema + "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);")
        try app.admin.execute("""
            INSERT INTO users (username, role, is_active, temperature, preferences, hashed_name, hashed_password, hashed_email,
                               member_since, messages) VALUES ('ada', 'user', true, 0.7, '{}', '', 'x', 'ada@example.com', '2026-06-14', 0)
            """)
        let migrator = Migrator(connection: app.admin, clock: FixedClock(testNow))
        #expect(try migrator.state() == .legacy)
        #expect(try migrator.baselineDifferences().isEmpty)
        #expect(try migrator.baseline() == ["alembic_version"])
        #expect(try migrator.state() == .migrated(version: 1))
        _ = try migrator.up()
        #expect(try migrator.validationProblems().isEmpty)
        #expect(try app.admin.scalar("SELECT username FROM users") == .text("ada"))
        // 0002's defaults fill what the app's inserts leave out.
        try app.admin.execute("INSERT INTO token_blacklist (token, expires_at) VALUES ('t', '2026-07-01 00:00:00')")
        #expect(try app.admin.scalarInt("SELECT count(*) FROM token_blacklist WHERE created_at IS NOT NULL") == 1)
    }

    @Test func baselineNamesEveryDifferenceAndRecordsNothing() throws {
        let app = try PostgresScratch()
        try app.run(script: PostgresMigratorTests.appSchema
                    + "ALTER TABLE users ALTER COLUMN temperature TYPE REAL; ALTER TABLE chat_rooms DROP COLUMN is_public;")
        let migrator = Migrator(connection: app.admin, clock: FixedClock(testNow))
        let differences = try migrator.baselineDifferences()
        #expect(differences.contains("users.temperature: type is real, expected double precision"))
        #expect(differences.contains("chat_rooms: column is_public is missing"))
        #expect(throws: SocializerError.self) { try migrator.baseline() }
        #expect(try migrator.state() == .legacy)
        #expect(try !app.admin.tableExists("schema_migrations"))
    }

    @Test func aFailingMigrationLeavesNothingBehind() throws {
        let scratch = try PostgresScratch()
        let migrator = Migrator(connection: scratch.admin, clock: FixedClock(testNow))
        _ = try migrator.up(to: 2)
        let before = try PostgresMigratorTests.catalog(scratch.admin, scratch.schema)
        // 0003 creates a dozen indexes; its ninth name is already taken.
        try scratch.admin.execute("CREATE TABLE clash (x INTEGER)")
        try scratch.admin.execute("CREATE INDEX \(SchemaModel.adminIndexes[8].index.name) ON clash (x)")
        let taken = try PostgresMigratorTests.catalog(scratch.admin, scratch.schema)
        #expect(throws: SocializerError.self) { try migrator.up() }
        do {
            _ = try migrator.up()
        } catch let error as SocializerError {
            #expect(error.message.hasPrefix("migration 0003_indexes failed at statement 9 of 13"), "\(error.message)")
            #expect(error.message.hasSuffix("the database is unchanged"))
        }
        #expect(try migrator.state() == .migrated(version: 2))
        #expect(try PostgresMigratorTests.catalog(scratch.admin, scratch.schema) == taken)
        #expect(taken.count == before.count + 2)
    }
}
