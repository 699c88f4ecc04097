package dev.switchboard.cli;

import java.util.List;
import java.util.Map;

/**
 * Plain-text tables for the terminal. A table fits {@link #WIDTH} columns: when its rows are wider,
 * its widest columns are narrowed and their cells cut with {@code …} ({@code --wide} shows them whole).
 */
final class Table {

    /** The width tables are fitted to. */
    static final int WIDTH = 120;
    /** A column is not narrowed below this, nor below its header. */
    private static final int MIN_COLUMN = 8;

    private Table() {
    }

    /** Two aligned columns: key, value. */
    static String of(Map<String, String> rows) {
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        StringBuilder out = new StringBuilder();
        rows.forEach((k, v) -> out.append("  ").append(String.format("%-" + width + "s", k)).append("  ").append(v).append('\n'));
        return out.toString();
    }

    /** A header row and aligned rows, fitted to {@link #WIDTH} columns. */
    static String of(List<String> header, List<List<String>> rows) {
        return of(header, rows, WIDTH);
    }

    /** A header row and aligned rows, fitted to {@code maxWidth} columns (cells cut with {@code …}). */
    static String of(List<String> header, List<List<String>> rows, int maxWidth) {
        return of(header, rows, maxWidth, java.util.Set.of());
    }

    /** As {@link #of(List, List, int)}, never cutting the columns named in {@code whole} (ids a reader copies). */
    static String of(List<String> header, List<List<String>> rows, int maxWidth, java.util.Set<String> whole) {
        int[] widths = new int[header.size()];
        for (int i = 0; i < header.size(); i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        fit(header, widths, maxWidth, whole);
        StringBuilder out = new StringBuilder();
        appendRow(out, header, widths);
        for (List<String> row : rows) {
            appendRow(out, row, widths);
        }
        return out.toString();
    }

    /** Narrows the widest columns, one at a time, until the row fits {@code maxWidth} or none can give more. */
    private static void fit(List<String> header, int[] widths, int maxWidth, java.util.Set<String> whole) {
        int total = 2 * (widths.length - 1);
        for (int w : widths) {
            total += w;
        }
        while (total > maxWidth) {
            int widest = -1;
            for (int i = 0; i < widths.length; i++) {
                int floor = Math.max(MIN_COLUMN, header.get(i).length());
                if (!whole.contains(header.get(i)) && widths[i] > floor && (widest < 0 || widths[i] > widths[widest])) {
                    widest = i;
                }
            }
            if (widest < 0) {
                return;
            }
            int second = 0;
            for (int i = 0; i < widths.length; i++) {
                if (i != widest && !whole.contains(header.get(i))) {
                    second = Math.max(second, widths[i]);
                }
            }
            int floor = Math.max(Math.max(MIN_COLUMN, header.get(widest).length()), Math.min(second, widths[widest] - 1));
            int cut = Math.min(total - maxWidth, widths[widest] - floor);
            widths[widest] -= Math.max(cut, 1);
            total -= Math.max(cut, 1);
        }
    }

    private static void appendRow(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            if (cell.length() > widths[i]) {
                cell = cell.substring(0, widths[i] - 1) + "…";
            }
            row.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", cell));
        }
        out.append(row.toString().stripTrailing()).append('\n');
    }
}
