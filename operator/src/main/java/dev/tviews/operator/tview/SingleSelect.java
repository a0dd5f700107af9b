package dev.tviews.operator.tview;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks, before anything reaches the database, that a TView's query is exactly one SELECT: no statement separator,
 * no data-modifying statement (a {@code WITH x AS (DELETE ...)} CTE), no {@code SELECT ... INTO}, no locking clause.
 *
 * <p>A small tokenizer following PostgreSQL's lexer where it matters for statement boundaries: {@code '...'} strings
 * ({@code ''} doubled), {@code E'...'} strings (backslash escapes), {@code "..."} identifiers, {@code $tag$...$tag$}
 * dollar quotes (tags are identifiers without {@code $}; {@code $1} is a parameter; {@code $} inside an identifier
 * is part of it), {@code --} comments and nested {@code /* *}{@code /} comments. A plain string is read twice, with
 * and without {@code standard_conforming_strings} (without it, a backslash escapes the next character): the query is
 * accepted only when both readings find a single SELECT, so a server configured either way runs what was checked.
 * Words that PostgreSQL would read as keywords are refused even where a column of that name was meant: quote such a
 * column ({@code "delete"}) or qualify it ({@code t.delete}).
 */
public final class SingleSelect {

    /** Words that make a statement write or lock, wherever they appear unquoted and unqualified. */
    private static final Set<String> WRITES = Set.of("insert", "update", "delete", "merge", "into");
    /** What may follow FOR in a locking clause (FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE). */
    private static final Set<String> LOCKING = Set.of("update", "share", "no", "key");

    private SingleSelect() {
    }

    /** Why {@code query} is not exactly one SELECT, or empty when it is. */
    public static Optional<String> problem(String query) {
        if (query == null) {
            return Optional.of("spec.query is empty");
        }
        for (boolean standardStrings : new boolean[] {true, false}) {
            Optional<String> problem = check(query, standardStrings);
            if (problem.isPresent()) {
                return Optional.of("spec.query is not exactly one SELECT: " + problem.get()
                        + (standardStrings ? "" : " (when the server reads backslashes in strings as escapes, "
                        + "standard_conforming_strings off)"));
            }
        }
        return Optional.empty();
    }

    private record Token(Kind kind, String text, int position) {
    }

    private enum Kind { WORD, SEMICOLON, OPEN, DOT, OTHER }

    /** Thrown by the tokenizer for text PostgreSQL would not accept either (an unterminated string, comment...). */
    private static final class Unterminated extends RuntimeException {
        Unterminated(String message) {
            super(message, null, false, false);
        }
    }

    private static Optional<String> check(String query, boolean standardStrings) {
        List<Token> tokens;
        try {
            tokens = tokenize(query, standardStrings);
        } catch (Unterminated e) {
            return Optional.of(e.getMessage());
        }
        Token first = tokens.stream().filter(t -> t.kind() != Kind.OPEN).findFirst().orElse(null);
        if (first == null) {
            return Optional.of("it holds no statement");
        }
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.SEMICOLON) {
                return Optional.of("statement separator ';' at position " + t.position() + " (outside strings and "
                        + "comments); a TView's query is a single SELECT without ';'");
            }
            if (t.kind() != Kind.WORD || (i > 0 && tokens.get(i - 1).kind() == Kind.DOT)) {
                continue;
            }
            if (WRITES.contains(t.text())) {
                return Optional.of("'" + t.text().toUpperCase(Locale.ROOT) + "' at position " + t.position()
                        + (t.text().equals("into") ? " (SELECT ... INTO creates a table)" : " (a data-modifying statement)")
                        + "; if it names a column, quote it (\"" + t.text() + "\") or qualify it");
            }
            if (t.text().equals("for") && i + 1 < tokens.size() && tokens.get(i + 1).kind() == Kind.WORD
                    && LOCKING.contains(tokens.get(i + 1).text())) {
                return Optional.of("locking clause 'FOR " + tokens.get(i + 1).text().toUpperCase(Locale.ROOT)
                        + "' at position " + t.position());
            }
        }
        if (first.kind() != Kind.WORD || !(first.text().equals("select") || first.text().equals("with"))) {
            return Optional.of("it starts with '" + first.text() + "' at position " + first.position()
                    + "; it must start with SELECT or WITH");
        }
        return Optional.empty();
    }

    private static List<Token> tokenize(String q, boolean standardStrings) {
        List<Token> tokens = new ArrayList<>();
        int n = q.length();
        int i = 0;
        while (i < n) {
            char c = q.charAt(i);
            int start = i;
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B) {   // PostgreSQL's space
                i++;
            } else if (c == '-' && i + 1 < n && q.charAt(i + 1) == '-') {
                while (i < n && q.charAt(i) != '\n' && q.charAt(i) != '\r') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && q.charAt(i + 1) == '*') {
                i = skipComment(q, i);
            } else if (c == '\'') {
                i = skipString(q, i, !standardStrings);
            } else if (c == '"') {
                i = skipQuotedIdentifier(q, i);
            } else if (c == '$') {
                if (i + 1 < n && isDigit(q.charAt(i + 1))) {
                    i++;
                    while (i < n && isDigit(q.charAt(i))) {
                        i++;
                    }
                    tokens.add(new Token(Kind.OTHER, q.substring(start, i), start + 1));
                } else {
                    int end = dollarTagEnd(q, i);
                    if (end < 0) {
                        i++;
                        tokens.add(new Token(Kind.OTHER, "$", start + 1));
                    } else {
                        String tag = q.substring(i, end);
                        int close = q.indexOf(tag, end);
                        if (close < 0) {
                            throw new Unterminated("unterminated dollar-quoted string " + tag + " at position " + (start + 1));
                        }
                        i = close + tag.length();
                    }
                }
            } else if (isIdentStart(c)) {
                while (i < n && isIdentContinue(q.charAt(i))) {
                    i++;
                }
                String word = q.substring(start, i);
                if (i < n && q.charAt(i) == '\'' && word.equalsIgnoreCase("e")) {
                    i = skipString(q, i, true);   // E'...': backslash escapes whatever the server's settings
                } else if (i < n && q.charAt(i) == '\'' && (word.equalsIgnoreCase("b") || word.equalsIgnoreCase("x"))) {
                    i = skipString(q, i, false);  // bit strings: never backslash escapes
                } else if (i + 1 < n && q.startsWith("&'", i) && word.equalsIgnoreCase("u")) {
                    i = skipString(q, i + 1, false);   // U&'...': no backslash escapes
                } else {
                    tokens.add(new Token(Kind.WORD, word.toLowerCase(Locale.ROOT), start + 1));
                }
            } else if (isDigit(c)) {
                while (i < n && (isDigit(q.charAt(i)) || q.charAt(i) == '.')) {
                    i++;
                }
                tokens.add(new Token(Kind.OTHER, q.substring(start, i), start + 1));
            } else {
                i++;
                Kind kind = c == ';' ? Kind.SEMICOLON : c == '(' ? Kind.OPEN : c == '.' ? Kind.DOT : Kind.OTHER;
                tokens.add(new Token(kind, String.valueOf(c), start + 1));
            }
        }
        return tokens;
    }

    /** Nested, as PostgreSQL's are. Returns the index after the comment. */
    private static int skipComment(String q, int start) {
        int depth = 0;
        int i = start;
        while (i < q.length()) {
            if (q.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (q.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        throw new Unterminated("unterminated /* comment at position " + (start + 1));
    }

    /** A string from its opening quote; {@code ''} is a quote; with {@code backslashes}, a backslash escapes. */
    private static int skipString(String q, int start, boolean backslashes) {
        int i = start + 1;
        while (i < q.length()) {
            char c = q.charAt(i);
            if (backslashes && c == '\\') {
                i += 2;
            } else if (c == '\'') {
                if (i + 1 < q.length() && q.charAt(i + 1) == '\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        throw new Unterminated("unterminated string starting at position " + (start + 1));
    }

    private static int skipQuotedIdentifier(String q, int start) {
        int i = start + 1;
        while (i < q.length()) {
            if (q.charAt(i) == '"') {
                if (i + 1 < q.length() && q.charAt(i + 1) == '"') {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        throw new Unterminated("unterminated quoted identifier starting at position " + (start + 1));
    }

    /** The index after {@code $tag$} starting at {@code start}, or -1 when no dollar quote starts there. */
    private static int dollarTagEnd(String q, int start) {
        int i = start + 1;
        if (i < q.length() && q.charAt(i) == '$') {
            return i + 1;
        }
        if (i >= q.length() || !isIdentStart(q.charAt(i))) {
            return -1;
        }
        while (i < q.length() && (isIdentStart(q.charAt(i)) || isDigit(q.charAt(i)))) {
            i++;
        }
        return i < q.length() && q.charAt(i) == '$' ? i + 1 : -1;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** PostgreSQL's ident_start: a letter, '_' or any non-ASCII character. */
    private static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    /** PostgreSQL's ident_cont: ident_start, a digit or '$'. */
    private static boolean isIdentContinue(char c) {
        return isIdentStart(c) || isDigit(c) || c == '$';
    }
}
