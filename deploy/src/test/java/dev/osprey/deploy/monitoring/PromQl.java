package dev.osprey.deploy.monitoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds the vector selectors of a PromQL expression, the part of it that names series, without
 * evaluating anything: metric names with their label matchers. No maintained PromQL parser exists for
 * Java (Prometheus's own is Go, and JavaScript for its web UI); `promtool check rules` parses the same
 * expressions with Prometheus's parser in AlertRulesPromtoolTest, so this scanner need not judge syntax
 * beyond what it reads. It knows PromQL's lexical structure (strings, numbers and durations, brackets,
 * comments) and where identifiers are not metric names: functions and aggregations (followed by a
 * parenthesis or a grouping clause), keywords, the label lists of {@code by}/{@code without}/{@code on}/
 * {@code ignoring}/{@code group_left}/{@code group_right}, and range and subquery brackets. What it cannot
 * read (an unknown character, an unbalanced bracket, a quoted UTF-8 name) fails with the position.
 */
public final class PromQl {

    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
            "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> KEYWORDS = Set.of("bool", "and", "or", "unless", "atan2", "offset", "inf", "nan");

    private final String expr;
    private int pos;

    private PromQl(String expr) {
        this.expr = expr;
    }

    /** The selectors of {@code expr}, in the order they appear. */
    public static List<MetricSelector> selectors(String expr) {
        return new PromQl(expr).scan();
    }

    private List<MetricSelector> scan() {
        List<MetricSelector> selectors = new ArrayList<>();
        int depth = 0;
        while (skipSpace()) {
            char c = expr.charAt(pos);
            if (isNameStart(c)) {
                String name = identifier();
                String lower = name.toLowerCase(Locale.ROOT);
                if (LABEL_LISTS.contains(lower)) {
                    skipLabelList();
                } else if (KEYWORDS.contains(lower) || startsCall(name)) {
                    continue;
                } else {
                    selectors.add(new MetricSelector(name, peek('{') ? matchers() : List.of()));
                }
            } else if (c == '{') {
                List<MetricSelector.Matcher> matchers = matchers();
                String name = matchers.stream().filter(m -> m.label().equals("__name__") && m.op().equals("=")).map(MetricSelector.Matcher::value)
                        .findFirst().orElseThrow(() -> error("a selector without a metric name"));
                selectors.add(new MetricSelector(name, matchers));
            } else if (c == '[') {
                skipPast(']');
            } else if (c == '"' || c == '\'' || c == '`') {
                string();
            } else if (Character.isDigit(c) || c == '.') {
                number();
            } else if (c == '(') {
                depth++;
                pos++;
            } else if (c == ')') {
                if (--depth < 0) {
                    throw error("')' closes nothing");
                }
                pos++;
            } else if ("+-*/%^=!<>,@:".indexOf(c) >= 0) {
                pos++;
            } else {
                throw error("unexpected '" + c + "'");
            }
        }
        if (depth != 0) {
            throw error("a '(' is not closed");
        }
        return selectors;
    }

    /** A function or aggregation: the name is followed by its arguments, or (aggregations) by a grouping clause. */
    private boolean startsCall(String name) {
        if (!skipSpace()) {
            return false;
        }
        if (peek('(')) {
            return true;
        }
        int save = pos;
        boolean grouped = AGGREGATIONS.contains(name.toLowerCase(Locale.ROOT)) && isNameStart(expr.charAt(pos))
                && LABEL_LISTS.contains(identifier().toLowerCase(Locale.ROOT));
        pos = save;
        return grouped;
    }

    private List<MetricSelector.Matcher> matchers() {
        expect('{');
        List<MetricSelector.Matcher> matchers = new ArrayList<>();
        while (true) {
            require();
            if (peek('}')) {
                pos++;
                return matchers;
            }
            if (!isNameStart(expr.charAt(pos))) {
                throw error("a label name expected");
            }
            String label = identifier();
            require();
            String op = operator();
            require();
            matchers.add(new MetricSelector.Matcher(label, op, string()));
            require();
            if (peek(',')) {
                pos++;
            } else if (!peek('}')) {
                throw error("',' or '}' expected after a matcher");
            }
        }
    }

    private String operator() {
        for (String op : List.of("=~", "!~", "!=", "=")) {
            if (expr.startsWith(op, pos)) {
                pos += op.length();
                return op;
            }
        }
        throw error("a matcher operator (=, !=, =~, !~) expected");
    }

    private void skipLabelList() {
        if (skipSpace() && peek('(')) {
            skipPast(')');
        }
    }

    /** Skips to just past {@code close}, across strings (a range or label list holds no nested brackets). */
    private void skipPast(char close) {
        pos++;
        while (require()) {
            char c = expr.charAt(pos);
            if (c == close) {
                pos++;
                return;
            }
            if (c == '"' || c == '\'' || c == '`') {
                string();
            } else {
                pos++;
            }
        }
    }

    /** A string literal: its value, escapes resolved (raw strings in backquotes have none). */
    private String string() {
        char quote = expr.charAt(pos);
        if (quote != '"' && quote != '\'' && quote != '`') {
            throw error("a quoted string expected");
        }
        pos++;
        StringBuilder value = new StringBuilder();
        while (true) {
            if (pos >= expr.length()) {
                throw error("a string is not closed");
            }
            char c = expr.charAt(pos++);
            if (c == quote) {
                return value.toString();
            }
            if (c == '\\' && quote != '`') {
                require();
                char escaped = expr.charAt(pos++);
                value.append(switch (escaped) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> escaped;
                });
            } else {
                value.append(c);
            }
        }
    }

    /** A number or a duration (digits, a point, exponents, hex digits and unit letters: 1.5e3, 0x1f, 1h30m). */
    private void number() {
        while (pos < expr.length() && (Character.isLetterOrDigit(expr.charAt(pos)) || expr.charAt(pos) == '.'
                || (expr.charAt(pos) == '+' || expr.charAt(pos) == '-') && "eE".indexOf(expr.charAt(pos - 1)) >= 0)) {
            pos++;
        }
    }

    private String identifier() {
        int start = pos;
        while (pos < expr.length() && (isNameStart(expr.charAt(pos)) || Character.isDigit(expr.charAt(pos)))) {
            pos++;
        }
        return expr.substring(start, pos);
    }

    private static boolean isNameStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':';
    }

    /** Skips blanks and comments; false at the end. */
    private boolean skipSpace() {
        while (pos < expr.length()) {
            char c = expr.charAt(pos);
            if (c == '#') {
                while (pos < expr.length() && expr.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else {
                return true;
            }
        }
        return false;
    }

    /** As {@link #skipSpace}, but the expression must go on. */
    private boolean require() {
        if (!skipSpace()) {
            throw error("the expression ends too early");
        }
        return true;
    }

    private boolean peek(char c) {
        return pos < expr.length() && expr.charAt(pos) == c;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("'" + c + "' expected");
        }
        pos++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at " + pos + " of: " + expr);
    }
}
