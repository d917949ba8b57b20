package io.graylane.core.guard;

/**
 * Decides whether SQL text only reads: a query is {@code SELECT}, {@code WITH ... SELECT}, {@code SHOW},
 * {@code EXPLAIN} (of a query, or without {@code ANALYZE}) or {@code VALUES}, after any comments, whitespace and
 * opening parentheses. Everything else is a write, and so is whatever cannot be read with certainty: several
 * statements of which one is not a query, a {@code WITH} that holds {@code INSERT}, {@code UPDATE}, {@code DELETE} or
 * {@code MERGE}, {@code SELECT ... INTO}, an unterminated comment or literal, JDBC escapes ({@code {call ...}}).
 * No regex and no parser: one pass over the text, words compared in place.
 */
public final class SqlClassifier {

    private SqlClassifier() {}

    /** True only when every statement in {@code sql} is a query. Null or blank text is not a query. */
    public static boolean isQuery(String sql) {
        if (sql == null) return false;
        int n = sql.length();
        int start = 0;
        boolean any = false;
        while (start < n) {
            int end = statementEnd(sql, start);
            if (end < 0) return false; // unterminated literal or comment
            int first = skipSpaceAndComments(sql, start, end);
            if (first < 0) return false;
            if (first < end) {
                if (!isQueryStatement(sql, first, end)) return false;
                any = true;
            }
            start = end + 1;
        }
        return any;
    }

    /** The index of the ';' that ends the statement starting at {@code from}, or the length; -1 when unterminated. */
    private static int statementEnd(String s, int from) {
        int n = s.length();
        int i = from;
        while (i < n) {
            char c = s.charAt(i);
            if (c == ';') return i;
            int next = skipToken(s, i, n);
            if (next < 0) return -1;
            i = next;
        }
        return n;
    }

    /** Past a literal, quoted name or comment starting at i; else i + 1. -1 when it does not end before {@code n}. */
    private static int skipToken(String s, int i, int n) {
        char c = s.charAt(i);
        if (c == '\'' || c == '"' || c == '`') {
            int j = i + 1;
            while (j < n) {
                char d = s.charAt(j);
                if (d == c) {
                    if (j + 1 < n && s.charAt(j + 1) == c) {
                        j += 2; // doubled quote
                        continue;
                    }
                    return j + 1;
                }
                if (d == '\\' && c == '\'') j++; // backslash escapes (MySQL, E'' strings): skipping one more is safe
                j++;
            }
            return -1;
        }
        if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
            int j = s.indexOf('\n', i);
            return j < 0 ? n : j + 1;
        }
        if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
            int depth = 1;
            int j = i + 2;
            while (j < n) {
                if (s.charAt(j) == '*' && j + 1 < n && s.charAt(j + 1) == '/') {
                    if (--depth == 0) return j + 2;
                    j += 2;
                } else if (s.charAt(j) == '/' && j + 1 < n && s.charAt(j + 1) == '*') {
                    depth++;
                    j += 2;
                } else {
                    j++;
                }
            }
            return -1;
        }
        if (c == '$') {
            // PostgreSQL dollar quoting: $$...$$ or $tag$...$tag$
            int j = i + 1;
            while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) j++;
            if (j < n && s.charAt(j) == '$' && (j == i + 1 || !Character.isDigit(s.charAt(i + 1)))) {
                String tag = s.substring(i, j + 1);
                int close = s.indexOf(tag, j + 1);
                return close < 0 ? -1 : close + tag.length();
            }
        }
        return i + 1;
    }

    /** The first index in [from, end) that is neither whitespace, comment nor '('; end when none; -1 when broken. */
    private static int skipSpaceAndComments(String s, int from, int end) {
        int i = from;
        while (i < end) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || c == '(') {
                i++;
            } else if ((c == '-' && i + 1 < end && s.charAt(i + 1) == '-') || (c == '/' && i + 1 < end && s.charAt(i + 1) == '*')) {
                i = skipToken(s, i, end);
                if (i < 0) return -1;
            } else {
                return i;
            }
        }
        return end;
    }

    private static boolean isQueryStatement(String s, int first, int end) {
        if (word(s, first, end, "SELECT")) return !hasTopLevelInto(s, first, end);
        if (word(s, first, end, "VALUES") || word(s, first, end, "SHOW")) return true;
        if (word(s, first, end, "WITH")) return withIsQuery(s, first, end);
        if (word(s, first, end, "EXPLAIN")) return explainIsQuery(s, first, end);
        return false;
    }

    /** A WITH statement reads when its main statement is a SELECT and none of its parts modifies data. */
    private static boolean withIsQuery(String s, int first, int end) {
        int depth = 0;
        int mainAt = -1;
        int i = first + 4;
        while (i < end) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
                i++;
            } else if (c == ')') {
                depth--;
                i++;
            } else if (isWordStart(c) && (i == 0 || !isWordPart(s.charAt(i - 1)))) {
                int wordEnd = i;
                while (wordEnd < end && isWordPart(s.charAt(wordEnd))) wordEnd++;
                if (word(s, i, end, "INSERT") || word(s, i, end, "DELETE") || word(s, i, end, "MERGE")
                        || (word(s, i, end, "UPDATE") && !afterLockWord(s, first, i))) {
                    return false;
                }
                if (depth == 0 && mainAt < 0 && (word(s, i, end, "SELECT") || word(s, i, end, "VALUES"))) mainAt = i;
                i = wordEnd;
            } else {
                int next = skipToken(s, i, end);
                if (next < 0) return false;
                i = next;
            }
        }
        return mainAt >= 0 && !hasTopLevelInto(s, mainAt, end);
    }

    /** {@code EXPLAIN ANALYZE} runs the statement: the inner statement must then be a query. */
    private static boolean explainIsQuery(String s, int first, int end) {
        int i = first + 7;
        boolean analyze = false;
        while (true) {
            i = skipSpaceAndComments(s, i, end);
            if (i < 0 || i >= end) return !analyze;
            char c = s.charAt(i);
            if (c == ')' || c == ',') {
                i++;
                continue;
            }
            if (!isWordStart(c)) return false;
            if (word(s, i, end, "ANALYZE") || word(s, i, end, "ANALYSE")) analyze = true;
            if (word(s, i, end, "SELECT") || word(s, i, end, "WITH") || word(s, i, end, "VALUES")
                    || word(s, i, end, "INSERT") || word(s, i, end, "UPDATE") || word(s, i, end, "DELETE")
                    || word(s, i, end, "MERGE") || word(s, i, end, "CREATE") || word(s, i, end, "EXECUTE")
                    || word(s, i, end, "DECLARE") || word(s, i, end, "TABLE")) {
                return !analyze || isQueryStatement(s, i, end);
            }
            while (i < end && isWordPart(s.charAt(i))) i++;
        }
    }

    /** SELECT ... INTO creates a table (PostgreSQL, SQL Server) or writes a file (MySQL). */
    private static boolean hasTopLevelInto(String s, int from, int end) {
        int depth = 0;
        int i = from;
        while (i < end) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
                i++;
            } else if (c == ')') {
                depth--;
                i++;
            } else if (isWordStart(c) && (i == 0 || !isWordPart(s.charAt(i - 1)))) {
                if (depth == 0 && word(s, i, end, "INTO")) return true;
                while (i < end && isWordPart(s.charAt(i))) i++;
            } else {
                int next = skipToken(s, i, end);
                if (next < 0) return true;
                i = next;
            }
        }
        return false;
    }

    /** FOR UPDATE, FOR NO KEY UPDATE: a row lock in a query, not a write. */
    private static boolean afterLockWord(String s, int from, int at) {
        int i = at - 1;
        while (i >= from && Character.isWhitespace(s.charAt(i))) i--;
        int wordEnd = i + 1;
        while (i >= from && isWordPart(s.charAt(i))) i--;
        String previous = s.substring(i + 1, wordEnd);
        return previous.equalsIgnoreCase("FOR") || previous.equalsIgnoreCase("KEY");
    }

    /** Whether the keyword (upper case) starts at i, as a whole word. */
    private static boolean word(String s, int i, int end, String keyword) {
        int k = keyword.length();
        if (i + k > end || !s.regionMatches(true, i, keyword, 0, k)) return false;
        return i + k == end || !isWordPart(s.charAt(i + k));
    }

    private static boolean isWordStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isWordPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
