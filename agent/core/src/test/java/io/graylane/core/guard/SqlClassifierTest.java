package io.graylane.core.guard;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqlClassifierTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM orders",
            "select 1",
            "  \n\t SELECT id FROM t WHERE name = 'x; DELETE FROM t'",
            "-- the orders\nSELECT * FROM orders",
            "/* hint */ /* another /* nested */ one */ SELECT 1",
            "((SELECT 1) UNION (SELECT 2))",
            "WITH recent AS (SELECT * FROM orders WHERE ts > now()) SELECT count(*) FROM recent",
            "WITH RECURSIVE r(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r",
            "SHOW search_path",
            "EXPLAIN SELECT * FROM t",
            "EXPLAIN DELETE FROM t",
            "EXPLAIN ANALYZE SELECT * FROM t",
            "VALUES (1, 2)",
            "SELECT * FROM t FOR UPDATE",
            "WITH x AS (SELECT 1) SELECT * FROM t FOR NO KEY UPDATE",
            "SELECT 1; SELECT 2;",
            "SELECT $$ ; DELETE FROM t $$",
            "SELECT \"insert\" FROM t",
            "SELECT 'it''s'",
            "SELECT * FROM (SELECT a INTO b) x", // INTO below the top level is not SELECT ... INTO
    })
    void queries(String sql) {
        assertTrue(SqlClassifier.isQuery(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "INSERT INTO orders VALUES (1)",
            "update orders set x = 1",
            "DELETE FROM orders",
            "MERGE INTO t USING s ON (t.id = s.id) WHEN MATCHED THEN DELETE",
            "CREATE TABLE t (id int)",
            "DROP TABLE t",
            "TRUNCATE t",
            "CALL do_it()",
            "{call do_it()}",
            "/* SELECT */ DELETE FROM orders",
            "-- SELECT\nDELETE FROM orders",
            "/* unterminated SELECT 1",
            "SELECT 'unterminated",
            "SELECT 1; DELETE FROM t",
            "SELECT 1;\n/* then */ UPDATE t SET a = 1",
            "WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone",
            "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
            "WITH x AS (SELECT 1) UPDATE t SET a = 1",
            "WITH x AS (SELECT 1)",
            "EXPLAIN ANALYZE DELETE FROM t",
            "EXPLAIN (ANALYZE, BUFFERS) INSERT INTO t VALUES (1)",
            "SELECT * INTO new_table FROM t",
            "SELECT 1 INTO OUTFILE '/tmp/x'",
            "SELECTX 1",
            "",
            "   ",
            "-- only a comment",
            "SET search_path TO x",
            "BEGIN",
            "GRANT ALL ON t TO u",
    })
    void writes(String sql) {
        assertFalse(SqlClassifier.isQuery(sql), sql);
    }

    @org.junit.jupiter.api.Test
    void nullIsNotAQuery() {
        assertFalse(SqlClassifier.isQuery(null));
    }
}
