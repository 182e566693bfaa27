import Testing

@testable import DirectorySyncPostgres

/// The PostgreSQL store runs its migration scripts one statement at a time (PostgresNIO speaks only the extended
/// protocol, which takes one statement per message), so the split must find exactly the top-level `;`s.
@Suite struct PostgresScriptTests {
    @Test func splitsAtTopLevelSemicolons() {
        let script = """
            CREATE TABLE a (x integer);
              CREATE INDEX a_x ON a (x) ;

            INSERT INTO a VALUES (1)
            """
        #expect(
            PostgresScript.statements(script) == [
                "CREATE TABLE a (x integer)", "CREATE INDEX a_x ON a (x)", "INSERT INTO a VALUES (1)",
            ])
    }

    @Test func keepsSemicolonsInsideQuotesAndComments() {
        let script = """
            INSERT INTO t VALUES ('a;b', 'it''s; fine');
            CREATE TABLE "odd;name" (x text); -- a comment; with a semicolon
            /* a block; comment */ SELECT 1;
            """
        #expect(
            PostgresScript.statements(script) == [
                "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
                "CREATE TABLE \"odd;name\" (x text)",
                "-- a comment; with a semicolon\n/* a block; comment */ SELECT 1",
            ])
    }

    @Test func keepsDollarQuotedBodiesWhole() {
        let script = """
            CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN RAISE EXCEPTION 'no; never'; END $body$ LANGUAGE plpgsql;
            DO $$ BEGIN PERFORM 1; END $$;
            SELECT $1, $2;
            """
        let statements = PostgresScript.statements(script)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("END $body$ LANGUAGE plpgsql"))
        #expect(statements[1] == "DO $$ BEGIN PERFORM 1; END $$")
        #expect(statements[2] == "SELECT $1, $2")
    }

    @Test func anUnterminatedQuoteEndsTheScript() {
        #expect(PostgresScript.statements("SELECT 'open; still open") == ["SELECT 'open; still open"])
        #expect(PostgresScript.statements(" ;; \n ; ").isEmpty)
    }

    @Test func numbersPlaceholdersOutsideQuotes() {
        #expect(
            StatementCache.number("SELECT a FROM t WHERE b = ? AND c = '?' AND \"d?\" = ? LIMIT ?")
                == "SELECT a FROM t WHERE b = $1 AND c = '?' AND \"d?\" = $2 LIMIT $3")
    }
}
